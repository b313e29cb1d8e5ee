"""opencryptoki's software token: the second, independent PKCS#11 implementation byok is tested on.

opencryptoki 3.8.1 needs its slot daemon ``pkcsslotd`` (no systemd in containers: it is started
directly) and keeps the software token in ``/var/lib/opencryptoki/swtok``: that path is compiled
in (only its last part is configurable, per slot, with ``tokname``), so the token cannot live under a
work dir. Checked on Debian's 3.8.1+dfsg-3.2: the only variables the library, the soft-token STDLL and the
daemon read are ``OPENCRYPTOKI_TRACE_LEVEL`` and ``PKCS11_SHMEM_FILE`` (the daemon's shared-memory name), and
``/etc/opencryptoki/opencryptoki.conf`` is compiled in too, so no supported setting moves the token's state.
``OpencryptokiToken.create`` therefore initialises a factory-fresh token or empties one it initialised
before (labelled the same), never anyone else's; ``SlotDaemon.stop(factory_reset=True)``, called only by
whoever created the token, returns it to the factory state. PINs go through PyKCS11
(C_InitToken, C_SetPIN, C_InitPIN), never ``pkcsconf`` argv.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import PyKCS11

from byok.errors import HsmError
from byok.hsm import library as libraries
from byok.hsm.session import ckr_name, quietly, token_label

MODULE = "/usr/lib/x86_64-linux-gnu/opencryptoki/libopencryptoki.so.0"
DAEMON = "/usr/sbin/pkcsslotd"
PID_FILE = Path("/var/run/pkcsslotd.pid")
SOFT_TOKEN_DIR = Path("/var/lib/opencryptoki/swtok")
SOFT_TOKEN_SHM = Path("/dev/shm/var.lib.opencryptoki.swtok")  # noqa: S108 - the daemon's own, fixed name
FACTORY_SO_PIN = "87654321"  # noqa: S105 - opencryptoki's documented default SO PIN of an uninitialised token
SOFT_TOKEN_MODEL = "IBM SoftTok"  # noqa: S105 - a token model name, not a secret
PIN_LENGTHS = range(4, 9)


class SlotDaemon:
    """``pkcsslotd``, started only if it is not running, and stopped only if this object started it."""

    def __init__(self) -> None:
        self.started_pid: int | None = None

    def running_pid(self) -> int | None:
        try:
            pid = int(PID_FILE.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except OSError:
            return None
        return pid if comm == "pkcsslotd" and state != "Z" else None

    def start(self) -> None:
        """Start pkcsslotd unless it runs."""
        if self.running_pid() is not None:
            return
        if not Path(DAEMON).is_file():
            raise HsmError(f"{DAEMON} does not exist", "install opencryptoki (Debian: apt install opencryptoki)")
        subprocess.run([DAEMON], check=True, timeout=30)  # forks into the background and writes its pid file
        for _ in range(100):
            if (pid := self.running_pid()) is not None:
                self.started_pid = pid
                return
            time.sleep(0.02)
        raise HsmError("pkcsslotd did not start", "run it by hand and read /var/log/opencryptoki")

    def _gone_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.running_pid() is not None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def stop(self, *, factory_reset: bool = False) -> None:
        """Stop the daemon this object started; ``factory_reset`` (for a token we created) then removes its state."""
        if self.started_pid is None:
            return
        libraries.finalise(MODULE)  # pkcsslotd ignores SIGTERM while a process is attached to it
        for stop_signal in (signal.SIGTERM, signal.SIGKILL):  # SIGKILL: another process is still attached
            os.kill(self.started_pid, stop_signal)
            if self._gone_within(seconds=3):
                break
        self.started_pid = None
        if factory_reset:
            _remove_token_state()


@dataclass(frozen=True)
class OpencryptokiToken:
    """The initialised software token; ``env`` is empty: the daemon, not a variable, locates it."""

    label: str
    module: str = MODULE

    @property
    def env(self) -> dict[str, str]:
        return {}

    def activate(self) -> None:
        """Nothing to switch: opencryptoki has one soft token per machine."""

    @classmethod
    def create(cls, label: str, user_pin: str, so_pin: str, module: str = MODULE) -> OpencryptokiToken:
        """Initialise a factory-fresh soft token, or empty the one a previous call initialised as ``label``.

        opencryptoki 3.8.1 cannot re-initialise: after a second C_InitToken the SO login fails with
        CKR_FUNCTION_FAILED. So a token already labelled ``label`` is emptied as its user instead.
        """
        for pin in (user_pin, so_pin):
            if len(pin) not in PIN_LENGTHS:
                raise HsmError("opencryptoki PINs must be 4 to 8 characters long", "choose shorter PINs")
        lib = libraries.library(module)
        slot = _soft_token_slot(lib)
        info = lib.getTokenInfo(slot)
        try:
            if not info.flags & PyKCS11.CKF_TOKEN_INITIALIZED:
                _initialise(lib, slot, label, user_pin, so_pin)
            elif token_label(info) == label:
                _destroy_every_object(lib, slot, user_pin)
            else:
                raise HsmError(
                    f"the opencryptoki soft token is already initialised as {token_label(info)!r}",
                    f"stop pkcsslotd and empty {SOFT_TOKEN_DIR} to return it to the factory state",
                )
        except PyKCS11.PyKCS11Error as exc:
            raise HsmError(
                f"cannot initialise the opencryptoki soft token: {ckr_name(exc)}",
                f"stop pkcsslotd and empty {SOFT_TOKEN_DIR} to return it to the factory state",
            ) from None
        return cls(label=label, module=module)


def _initialise(lib: PyKCS11.PyKCS11Lib, slot: int, label: str, user_pin: str, so_pin: str) -> None:
    lib.initToken(slot, FACTORY_SO_PIN, label.ljust(32))
    session = lib.openSession(slot, PyKCS11.CKF_RW_SESSION)
    try:
        session.login(FACTORY_SO_PIN, PyKCS11.CKU_SO)
        session.setPin(FACTORY_SO_PIN, so_pin)
        session.initPin(user_pin)
        session.logout()
    finally:
        quietly(session.closeSession)


def _destroy_every_object(lib: PyKCS11.PyKCS11Lib, slot: int, user_pin: str) -> None:
    session = lib.openSession(slot, PyKCS11.CKF_RW_SESSION)
    try:
        session.login(user_pin)
        for handle in session.findObjects([]):
            session.destroyObject(handle)
        session.logout()
    finally:
        quietly(session.closeSession)


def _soft_token_slot(lib: PyKCS11.PyKCS11Lib) -> int:
    for slot in lib.getSlotList(tokenPresent=True):
        info = lib.getTokenInfo(slot)
        if str(info.model).strip() == SOFT_TOKEN_MODEL:
            return slot
    labels = [token_label(lib.getTokenInfo(slot)) for slot in lib.getSlotList(tokenPresent=True)]
    raise HsmError(
        f"opencryptoki offers no software token (tokens: {labels or 'none'})",
        "check the libpkcs11_sw.so slot in /etc/opencryptoki/opencryptoki.conf",
    )


def _remove_token_state() -> None:
    """The soft token's files as a fresh install has them: nothing but the empty object dir."""
    for entry in SOFT_TOKEN_DIR.iterdir() if SOFT_TOKEN_DIR.is_dir() else ():
        if entry.is_dir():
            for stored in entry.iterdir():
                stored.unlink()
        else:
            entry.unlink()
    SOFT_TOKEN_SHM.unlink(missing_ok=True)
