"""C_CopyObject, which PyKCS11 1.5.20 does not bind, called through ctypes on the library PyKCS11 already loaded.

``dlopen`` with RTLD_NOLOAD returns the handle of the library already in this process, and fails rather than
load a second copy; ctypes never calls ``dlclose``, so nothing is unloaded (opencryptoki 3.8.1 crashes when
its library is loaded again). C_Initialize is not called again: the copy runs in PyKCS11's own, logged-in
session, with PyKCS11's session and object handles. Boolean attributes only: all the template needs.
"""

from __future__ import annotations

import ctypes
import os

import PyKCS11

CK_ULONG = ctypes.c_ulong  # unsigned long on Linux, as both tokens' headers define it


class _Attribute(ctypes.Structure):
    _fields_ = [("type", CK_ULONG), ("value", ctypes.c_void_p), ("length", CK_ULONG)]


def _already_loaded(module: str) -> ctypes.CDLL:
    library = ctypes.CDLL(module, mode=os.RTLD_NOW | os.RTLD_NOLOAD)
    library.C_CopyObject.argtypes = [CK_ULONG, CK_ULONG, ctypes.POINTER(_Attribute), CK_ULONG, ctypes.POINTER(CK_ULONG)]
    library.C_CopyObject.restype = CK_ULONG
    return library


def copy_object(
    module: str, session: PyKCS11.Session, handle: PyKCS11.CK_OBJECT_HANDLE, attributes: dict[int, bool]
) -> PyKCS11.CK_OBJECT_HANDLE:
    """The copy's handle, usable with ``session``; PyKCS11Error with the token's CKR_ code when it refuses."""
    booleans = [ctypes.c_ubyte(int(value)) for value in attributes.values()]
    template = (_Attribute * len(booleans))(
        *(
            _Attribute(kind, ctypes.cast(ctypes.byref(value), ctypes.c_void_p), 1)
            for kind, value in zip(attributes, booleans, strict=True)
        )
    )
    copied = CK_ULONG()
    rv = _already_loaded(module).C_CopyObject(
        session.session.value(), handle.value(), template, len(booleans), ctypes.byref(copied)
    )
    if rv != PyKCS11.CKR_OK:
        raise PyKCS11.PyKCS11Error(rv)
    result = PyKCS11.CK_OBJECT_HANDLE(session)
    result.assign(copied.value)
    return result
