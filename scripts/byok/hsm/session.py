"""A logged-in PKCS#11 session on the token named by its label, that survives one session loss.

Slot ids are not stable (SoftHSM2 derives them from the token serial and HSM clusters renumber
on fail-over), so the token is always found by label. A session can die under a long rotation
run (HSM reboot, network HSM fail-over): operations are retried once on a fresh session, and a
second loss is reported rather than looped on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import PyKCS11

from byok.errors import HsmError, PinIncorrect, TokenNotFound
from byok.hsm import library as libraries

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


class TokenSession:
    """One user session on one token; ``run`` retries an operation once after a session loss."""

    def __init__(self, module: str, token_label: str, pin: str, user_type: int = PyKCS11.CKU_USER) -> None:
        self.module = module
        self.token_label = token_label
        self._pin = pin
        self._user_type = user_type
        self.lib = libraries.library(module)
        self._session: PyKCS11.Session | None = None
        self.slot = self._find_slot(may_reinitialise=True)
        self._session = self._login()

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
        """Close this session only: the library stays loaded for the life of the process."""
        if self._session is not None:
            quietly(self._session.closeSession)
            self._session = None
            libraries.session_closed(self.module)

    def _current(self) -> PyKCS11.Session:
        if self._session is None:
            raise HsmError("the HSM connection is closed", "open a new one")
        return self._session

    def _reopen(self) -> None:
        """A fresh session on the token found again by label: slot ids may have moved (fail-over)."""
        self.close()
        self.slot = self._find_slot(may_reinitialise=False)
        self._session = self._login()

    def _find_slot(self, *, may_reinitialise: bool) -> int:
        """Find the token by label; re-initialise once (never reload), since tokens made elsewhere stay hidden."""
        found = self._slots_by_label()
        if self.token_label not in found and may_reinitialise and libraries.reinitialise(self.module):
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
        libraries.session_opened(self.module)
        try:
            session.login(self._pin, self._user_type)
        except PyKCS11.PyKCS11Error as exc:
            if exc.value == PyKCS11.CKR_USER_ALREADY_LOGGED_IN:
                return session  # another session of this process holds the login
            quietly(session.closeSession)
            libraries.session_closed(self.module)
            if exc.value in PIN_REFUSED and self._user_type == PyKCS11.CKU_SO:
                raise PinIncorrect(
                    f"token {self.token_label!r} refused the security officer PIN ({ckr_name(exc)})",
                    "check BYOK_HSM_SO_PIN_FILE; a locked SO PIN needs the HSM vendor's recovery procedure",
                ) from None
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
