"""A logged-in PKCS#11 session on the token named by its label, that survives one session loss.

Slot ids are not stable (SoftHSM2 derives them from the token serial and HSM clusters renumber
on fail-over), so the token is always found by label. A session can die under a long rotation
run (HSM reboot, network HSM fail-over): operations are retried once on a fresh session, and a
second loss is reported rather than looped on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import PyKCS11

from byok.errors import HsmError, PinIncorrect, TokenNotFound

log = logging.getLogger(__name__)

T = TypeVar("T")

SESSION_LOST = frozenset(
    {
        PyKCS11.CKR_SESSION_HANDLE_INVALID,
        PyKCS11.CKR_SESSION_CLOSED,
        PyKCS11.CKR_DEVICE_REMOVED,
        PyKCS11.CKR_TOKEN_NOT_PRESENT,
        PyKCS11.CKR_USER_NOT_LOGGED_IN,
        PyKCS11.CKR_CRYPTOKI_NOT_INITIALIZED,
    }
)
SOFTHSM_CONF = "SOFTHSM2_CONF"
_NOT_LOADABLE = -1  # PyKCS11's code when dlopen itself fails
PIN_REFUSED = frozenset({PyKCS11.CKR_PIN_INCORRECT, PyKCS11.CKR_PIN_LOCKED, PyKCS11.CKR_PIN_LEN_RANGE})


def ckr_name(exc: PyKCS11.PyKCS11Error) -> str:
    """The CKR_* name alone: PyKCS11's text adds the hex code, which users do not need."""
    return str(PyKCS11.CKR.get(exc.value, f"0x{exc.value:08X}"))


def token_label(info: PyKCS11.CK_TOKEN_INFO) -> str:
    """The label without its padding: the standard pads with blanks, PyKCS11's C_InitToken with NULs."""
    return str(info.label).rstrip("\x00 ")


def mechanism_names(lib: PyKCS11.PyKCS11Lib, slot: int) -> tuple[str, ...]:
    """C_GetMechanismList, bypassing PyKCS11 1.5.20's wrapper: it appends a CKM_ML_DSA no token listed."""
    found = PyKCS11.LowLevel.ckulonglist()
    rv = lib.lib.C_GetMechanismList(slot, found)
    if rv != PyKCS11.CKR_OK:
        raise PyKCS11.PyKCS11Error(rv)
    return tuple(sorted(str(PyKCS11.CKM.get(value, f"CKM_0x{value:08X}")) for value in found))


def load_library(module: str) -> PyKCS11.PyKCS11Lib:
    if not Path(module).is_file():
        raise HsmError(
            f"PKCS#11 library {module} does not exist",
            "install the HSM client (Debian: apt install softhsm2) or set BYOK_PKCS11_MODULE",
        )
    lib = PyKCS11.PyKCS11Lib()
    try:
        return lib.load(module)
    except PyKCS11.PyKCS11Error as exc:
        raise _load_failure(module, exc) from None


def _load_failure(module: str, exc: PyKCS11.PyKCS11Error) -> HsmError:
    """Tell "not a PKCS#11 library" from "a library whose C_Initialize failed": the remedies differ."""
    if exc.value == _NOT_LOADABLE:
        return HsmError(
            f"cannot load PKCS#11 library {module}: it is not a shared library this machine can load",
            "check that the file is the HSM vendor's PKCS#11 module for this architecture",
        )
    cause = f"the PKCS#11 library {module} loaded, but its C_Initialize failed with {ckr_name(exc)}"
    if exc.value == PyKCS11.CKR_HOST_MEMORY:
        return HsmError(cause, "opencryptoki says this when its pkcsslotd daemon is not running: start pkcsslotd")
    conf = os.environ.get(SOFTHSM_CONF)
    if "softhsm" in Path(module).name.lower():
        where = f"SOFTHSM2_CONF={conf}" if conf else "SOFTHSM2_CONF is unset, so /etc/softhsm/softhsm2.conf"
        return HsmError(
            cause,
            f"check the SoftHSM2 configuration: {where} must name a readable file whose directories.tokendir exists",
        )
    return HsmError(cause, "check the HSM client's configuration and that its service or daemon is running")


class TokenSession:
    """One user session on one token; ``run`` retries an operation once after a session loss."""

    def __init__(self, module: str, token_label: str, pin: str) -> None:
        self.module = module
        self.token_label = token_label
        self._pin = pin
        self._lib: PyKCS11.PyKCS11Lib | None = load_library(module)
        self._session: PyKCS11.Session | None = None
        try:
            self.slot = self._find_slot()
            self._session = self._login()
        except HsmError:
            self.close()
            raise

    @property
    def lib(self) -> PyKCS11.PyKCS11Lib:
        if self._lib is None:
            raise HsmError("the HSM connection is closed", "open a new one")
        return self._lib

    def run(self, operation: Callable[[PyKCS11.Session], T]) -> T:
        try:
            return operation(self._current())
        except PyKCS11.PyKCS11Error as exc:
            if exc.value not in SESSION_LOST:
                raise
            log.warning("HSM session lost (%s); opening a new one", ckr_name(exc))
        self._reopen()
        try:
            return operation(self._current())
        except PyKCS11.PyKCS11Error as exc:
            if exc.value not in SESSION_LOST:
                raise
            raise HsmError(
                f"lost the session to token {self.token_label!r} twice in a row ({ckr_name(exc)})",
                "check the HSM's health and network link, then re-run: the command resumes where it stopped",
            ) from None

    def close(self) -> None:
        if self._session is not None:
            quietly(self._session.closeSession)
            self._session = None
        if self._lib is not None:
            self._lib.unload()
            self._lib = None

    def _current(self) -> PyKCS11.Session:
        if self._session is None:
            raise HsmError("the HSM connection is closed", "open a new one")
        return self._session

    def _reopen(self) -> None:
        if self._session is not None:
            quietly(self._session.closeSession)
            self._session = None
        self.slot = self._find_slot()
        self._session = self._login()

    def _find_slot(self) -> int:
        """Find the token by label; reload the library once, since tokens made after load stay hidden."""
        found = self._slots_by_label()
        if self.token_label not in found:
            self.lib.unload()
            self._lib = None
            self._lib = load_library(self.module)
            found = self._slots_by_label()
        if self.token_label not in found:
            labels = ", ".join(sorted(repr(label) for label in found)) or "none"
            raise TokenNotFound(
                f"no token labelled {self.token_label!r} in {self.module} (tokens present: {labels})",
                "set BYOK_TOKEN_LABEL to one of them or initialise the token",
            )
        return found[self.token_label]

    def _slots_by_label(self) -> dict[str, int]:
        slots: dict[str, int] = {}
        for slot in self.lib.getSlotList(tokenPresent=True):
            info = self.lib.getTokenInfo(slot)
            if info.flags & PyKCS11.CKF_TOKEN_INITIALIZED:
                slots.setdefault(token_label(info), slot)
        return slots

    def _login(self) -> PyKCS11.Session:
        session = self.lib.openSession(self.slot, PyKCS11.CKF_RW_SESSION)
        try:
            session.login(self._pin)
        except PyKCS11.PyKCS11Error as exc:
            if exc.value == PyKCS11.CKR_USER_ALREADY_LOGGED_IN:
                return session  # another session of this process holds the login
            quietly(session.closeSession)
            if exc.value in PIN_REFUSED:
                raise PinIncorrect(
                    f"token {self.token_label!r} refused the user PIN ({ckr_name(exc)})",
                    "check BYOK_HSM_PIN / BYOK_HSM_PIN_FILE; the security officer must unlock a locked PIN",
                ) from None
            raise HsmError(
                f"cannot log in to token {self.token_label!r}: {ckr_name(exc)}",
                "check the token's state with the HSM vendor's tools",
            ) from None
        return session


def quietly(close: Callable[[], None]) -> None:
    """Run a clean-up call whose failure only means the object is already gone."""
    try:
        close()
    except PyKCS11.PyKCS11Error as exc:
        log.debug("ignored during clean-up: %s", ckr_name(exc))
