"""The PKCS#11 library of each module path, loaded once per process and never unloaded.

Unloading a PKCS#11 library and loading it again in one process crashes opencryptoki 3.8.1
(segmentation fault), and vendor clients are not written to survive it either. So every
``PyKCS11Lib`` byok uses comes from here and stays referenced until the process ends.

A library reads its configuration and its token list in C_Initialize (SoftHSM2: the token dir
named by ``SOFTHSM2_CONF``). ``reinitialise`` runs C_Finalize then C_Initialize on the loaded
library, without unloading it, so a token created by another process becomes visible; it is
refused while a session of this process is open, since C_Finalize would close it underneath.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from pathlib import Path

import PyKCS11

from byok.errors import HsmError, LibraryUnavailable
from byok.hsm.vendors import vendor_for

_loaded: dict[str, PyKCS11.PyKCS11Lib] = {}
_open_sessions: Counter[str] = Counter()
_finalised: set[str] = set()
_lock = threading.Lock()


def library(module: str) -> PyKCS11.PyKCS11Lib:
    """The process's one loaded instance of ``module`` (loaded on first use, initialised again after ``finalise``)."""
    with _lock:
        if module not in _loaded:
            _loaded[module] = _load(module)
        lib = _loaded[module]
        if module in _finalised:
            rv = lib.lib.C_Initialize()
            if rv != PyKCS11.CKR_OK:
                raise _load_failure(module, PyKCS11.PyKCS11Error(rv))
            _finalised.discard(module)
        return lib


def reinitialise(module: str) -> bool:
    """C_Finalize + C_Initialize without unloading; False (and nothing done) while a session is open."""
    lib = library(module)
    with _lock:
        if _open_sessions[module]:
            return False
        lib.lib.C_Finalize()
        rv = lib.lib.C_Initialize()
    if rv != PyKCS11.CKR_OK:
        raise _load_failure(module, PyKCS11.PyKCS11Error(rv))
    return True


def finalise(module: str) -> None:
    """C_Finalize without unloading, so the library lets go of its service (pkcsslotd waits for that to exit)."""
    with _lock:
        if module not in _loaded or module in _finalised:
            return
        if _open_sessions[module]:
            raise HsmError(f"cannot finalise {module} while a session is open", "close every HSM session first")
        _loaded[module].lib.C_Finalize()
        _finalised.add(module)


def session_opened(module: str) -> None:
    with _lock:
        _open_sessions[module] += 1


def session_closed(module: str) -> None:
    with _lock:
        _open_sessions[module] = max(0, _open_sessions[module] - 1)


def _load(module: str) -> PyKCS11.PyKCS11Lib:
    if not Path(module).is_file():
        raise LibraryUnavailable(
            f"PKCS#11 library {module} does not exist",
            f"install the HSM client ({vendor_for(module).install_hint}) or set BYOK_PKCS11_MODULE",
        )
    try:
        return PyKCS11.PyKCS11Lib().load(module)
    except PyKCS11.PyKCS11Error as exc:
        raise _load_failure(module, exc) from None


def _load_failure(module: str, exc: PyKCS11.PyKCS11Error) -> HsmError:
    """CKR_HOST_MEMORY at C_Initialize is how some libraries say that their service is unreachable."""
    vendor = vendor_for(module)
    code = PyKCS11.CKR.get(exc.value, f"0x{exc.value:08X}") if exc.value >= 0 else "not a loadable library"
    if exc.value == PyKCS11.CKR_HOST_MEMORY and vendor.service_remedy:
        return LibraryUnavailable(
            f"{vendor.name} library {module} could not initialise ({code}): {vendor.service_cause}",
            vendor.service_remedy,
        )
    if exc.value < 0:  # dlopen itself failed
        return LibraryUnavailable(
            f"cannot load PKCS#11 library {module}: {code}",
            "check that the file is the HSM vendor's PKCS#11 module for this architecture",
        )
    cause = f"the PKCS#11 library {module} loaded, but its C_Initialize failed with {code}"
    if "softhsm" in Path(module).name.lower():
        conf = os.environ.get("SOFTHSM2_CONF")
        where = f"SOFTHSM2_CONF={conf}" if conf else "SOFTHSM2_CONF is unset, so /etc/softhsm/softhsm2.conf"
        return LibraryUnavailable(
            cause,
            f"check the SoftHSM2 configuration: {where} must name a readable file whose directories.tokendir exists",
        )
    return LibraryUnavailable(cause, "check the HSM client's configuration and that its service or daemon is running")
