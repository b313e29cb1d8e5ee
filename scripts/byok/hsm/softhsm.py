"""A SoftHSM2 token under a work dir: the embedded HSM that the demo and the tests run against.

The token is initialised through PyKCS11 (C_InitToken, C_InitPIN) rather than with
``softhsm2-util --so-pin ... --pin ...`` because PINs on argv are visible to every user of the
machine through ``ps`` and /proc.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import PyKCS11

from byok.config import DEFAULT_PKCS11_MODULE
from byok.errors import HsmError
from byok.hsm import library as libraries
from byok.hsm.session import SOFTHSM_CONF, ckr_name, token_label

CONF_VARIABLE = SOFTHSM_CONF
TOKEN_LABEL_BYTES = 32


@dataclass(frozen=True)
class SoftHsmToken:
    """An initialised SoftHSM2 token; ``env`` is what a subprocess needs to see it."""

    conf_path: Path
    label: str
    module: str = DEFAULT_PKCS11_MODULE

    @property
    def env(self) -> dict[str, str]:
        return {CONF_VARIABLE: str(self.conf_path)}

    def activate(self) -> None:
        """Point this process's SoftHSM2 at this token's config; a no-op when it already is."""
        if _configured.get(self.module) != self.conf_path:
            _configure(self.module, self.conf_path)

    @classmethod
    def create(
        cls,
        work_dir: Path,
        label: str,
        user_pin: str,
        so_pin: str,
        module: str = DEFAULT_PKCS11_MODULE,
    ) -> SoftHsmToken:
        """Initialise the token, or reuse it when one with this label already exists.

        ``SOFTHSM2_CONF`` is set in this process before the library is loaded because
        SoftHSM2 reads its configuration once, in C_Initialize.
        """
        if not 0 < len(label.encode()) <= TOKEN_LABEL_BYTES:
            raise HsmError(f"token label {label!r} is empty or over 32 bytes", "choose a shorter label")
        token_dir = work_dir / "tokens"
        token_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        conf_path = work_dir / "softhsm2.conf"
        conf_path.write_text(
            f"directories.tokendir = {token_dir}\nobjectstore.backend = file\nlog.level = ERROR\n",
            encoding="utf-8",
        )
        lib = _configure(module, conf_path)
        if label not in _token_labels(lib):
            _initialise(lib, label, user_pin, so_pin)
        return cls(conf_path=conf_path, label=label, module=module)


_configured: dict[str, Path] = {}  # module -> the SOFTHSM2_CONF its last C_Initialize read


def _configure(module: str, conf_path: Path) -> PyKCS11.PyKCS11Lib:
    """Set SOFTHSM2_CONF and re-initialise the loaded library so that it reads it (never reload it)."""
    os.environ[CONF_VARIABLE] = str(conf_path)
    lib = libraries.library(module)
    if not libraries.reinitialise(module):
        raise HsmError(
            f"cannot switch SoftHSM2 to {conf_path} while a session of this process is open",
            "close every HSM session first",
        )
    _configured[module] = conf_path
    return lib


def _token_labels(lib: PyKCS11.PyKCS11Lib) -> set[str]:
    return {token_label(lib.getTokenInfo(slot)) for slot in lib.getSlotList(tokenPresent=True)}


def _initialise(lib: PyKCS11.PyKCS11Lib, label: str, user_pin: str, so_pin: str) -> None:
    free = [slot for slot in lib.getSlotList(tokenPresent=True) if not _is_initialised(lib, slot)]
    if not free:
        raise HsmError("SoftHSM2 offers no free slot", "check directories.tokendir in the SoftHSM2 config")
    slot = free[0]
    try:
        lib.initToken(slot, so_pin, label.ljust(TOKEN_LABEL_BYTES))  # PKCS#11 wants it blank-padded
        session = lib.openSession(slot, PyKCS11.CKF_RW_SESSION)
        try:
            session.login(so_pin, PyKCS11.CKU_SO)
            session.initPin(user_pin)
            session.logout()
        finally:
            session.closeSession()
    except PyKCS11.PyKCS11Error as exc:
        raise HsmError(
            f"cannot initialise SoftHSM2 token {label!r}: {ckr_name(exc)}",
            "check that the PINs meet SoftHSM2's length rules (4 to 255 characters)",
        ) from None


def _is_initialised(lib: PyKCS11.PyKCS11Lib, slot: int) -> bool:
    return bool(lib.getTokenInfo(slot).flags & PyKCS11.CKF_TOKEN_INITIALIZED)
