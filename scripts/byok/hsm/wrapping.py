"""C_WrapKey for each KMS wrapping algorithm, so that the material leaves the HSM only wrapped.

The KMS wrapping public key and, for the two-step RSA_AES_KEY_WRAP scheme, the ephemeral AES
key exist as session objects only for the length of one wrap and are destroyed in ``finally``,
so that neither an error nor a crash leaves wrapping keys on the token.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import PyKCS11
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from byok.errors import HsmError
from byok.hsm.session import quietly
from byok.model import WrappingAlgorithm

_HASHES = {
    "sha1": (PyKCS11.CKM_SHA_1, PyKCS11.CKG_MGF1_SHA1),
    "sha256": (PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256),
}
MIN_WRAPPING_KEY_BITS = 2048


@dataclass(frozen=True)
class WrapPlan:
    """How this token runs an algorithm: natively or in two steps, and which RFC 5649 mechanism."""

    algorithm: WrappingAlgorithm
    native: bool = False
    kwp_mechanism: int = PyKCS11.CKM_AES_KEY_WRAP_PAD


def rsa_public_numbers(public_key_der: bytes) -> rsa.RSAPublicNumbers:
    """Parse the KMS wrapping key; only its public parts ever reach the token."""
    try:
        key = serialization.load_der_public_key(public_key_der)
    except ValueError:
        raise HsmError(
            "the wrapping public key is not a DER SubjectPublicKeyInfo",
            "pass the PublicKey that GetParametersForImport returned, unmodified",
        ) from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_WRAPPING_KEY_BITS:
        raise HsmError(
            "the wrapping public key is not an RSA key of 2048 bits or more",
            "request RSA_2048, RSA_3072 or RSA_4096 in GetParametersForImport",
        )
    return key.public_numbers()


@dataclass(frozen=True)
class ApprovedKeys:
    """Handles of the SO-approved (CKA_TRUSTED) wrapping objects for one KMS wrapping key (byok.hsm.trusted)."""

    public: int
    ephemeral: int | None  # the trusted AES key of the two-step RSA_AES scheme


def wrap_key(
    session: PyKCS11.Session, key: int, public_key_der: bytes, plan: WrapPlan, approved: ApprovedKeys | None = None
) -> bytes:
    """Wrap ``key`` under the RSA public key; RSA_AES output is the RSA part followed by the KWP part.

    With ``approved`` (key-ceremony mode) the SO's trusted objects are used instead of session objects,
    and they are left for the caller to destroy once the import is done.
    """
    numbers = rsa_public_numbers(public_key_der)
    intermediates: list[int] = []
    try:
        if approved is None:
            public = session.createObject(public_key_template(numbers, "byok-kms-wrapping-key"))
            intermediates.append(public)
        else:
            public = approved.public
        oaep = PyKCS11.RSAOAEPMechanism(*_HASHES[plan.algorithm.hash_name])
        if not plan.algorithm.uses_aes_key_wrap:
            return bytes(session.wrapKey(public, key, oaep))
        if plan.native:
            return bytes(session.wrapKey(public, key, _RsaAesKeyWrapMechanism(oaep)))
        if approved is None or approved.ephemeral is None:
            ephemeral = session.generateKey(
                secret_aes256_template("byok-ephemeral-wrapping-key", token=False, wrap=True)
            )
            intermediates.append(ephemeral)
        else:
            ephemeral = approved.ephemeral
        rsa_part = bytes(session.wrapKey(public, ephemeral, oaep))
        return rsa_part + bytes(session.wrapKey(ephemeral, key, PyKCS11.Mechanism(plan.kwp_mechanism)))
    finally:
        for handle in reversed(intermediates):
            quietly(lambda handle=handle: session.destroyObject(handle))


def public_key_template(numbers: rsa.RSAPublicNumbers, label: str) -> list[tuple[int, object]]:
    """A session public key that may wrap and do nothing else."""
    return [
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY),
        (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_RSA),
        (PyKCS11.CKA_TOKEN, False),
        (PyKCS11.CKA_PRIVATE, False),
        (PyKCS11.CKA_WRAP, True),
        (PyKCS11.CKA_ENCRYPT, False),
        (PyKCS11.CKA_VERIFY, False),
        (PyKCS11.CKA_LABEL, label),
        (PyKCS11.CKA_MODULUS, to_bytes(numbers.n)),
        (PyKCS11.CKA_PUBLIC_EXPONENT, to_bytes(numbers.e)),
    ]


def secret_aes256_template(label: str, *, token: bool, wrap: bool) -> list[tuple[int, object]]:
    """A sensitive AES-256 key that can be wrapped, and used for nothing but (optionally) wrapping.

    CKA_EXTRACTABLE must be true: C_WrapKey refuses unextractable keys (CKR_KEY_UNEXTRACTABLE).
    """
    return [
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
        (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
        (PyKCS11.CKA_TOKEN, token),
        (PyKCS11.CKA_VALUE_LEN, 32),
        (PyKCS11.CKA_PRIVATE, True),
        (PyKCS11.CKA_SENSITIVE, True),
        (PyKCS11.CKA_EXTRACTABLE, True),
        (PyKCS11.CKA_WRAP, wrap),
        (PyKCS11.CKA_UNWRAP, False),
        (PyKCS11.CKA_ENCRYPT, False),
        (PyKCS11.CKA_DECRYPT, False),
        (PyKCS11.CKA_SIGN, False),
        (PyKCS11.CKA_VERIFY, False),
        (PyKCS11.CKA_DERIVE, False),
        (PyKCS11.CKA_LABEL, label),
    ]


def to_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


class _CkRsaAesKeyWrapParams(ctypes.Structure):
    _fields_ = [("ulAESKeyBits", ctypes.c_ulong), ("pOAEPParams", ctypes.c_void_p)]


class _RsaAesKeyWrapMechanism:
    """CKM_RSA_AES_KEY_WRAP with CK_RSA_AES_KEY_WRAP_PARAMS, which PyKCS11 1.5.20 has no class for.

    The parameter block holds a pointer to the OAEP parameters of an ``RSAOAEPMechanism``; this
    object keeps that mechanism alive for as long as the token may read the pointer.
    """

    def __init__(self, oaep: PyKCS11.RSAOAEPMechanism) -> None:
        self._oaep = oaep
        params = _CkRsaAesKeyWrapParams(256, int(oaep._param.this))
        self._mechanism = PyKCS11.Mechanism(PyKCS11.CKM_RSA_AES_KEY_WRAP, bytes(params))

    def to_native(self) -> PyKCS11.LowLevel.CK_MECHANISM:
        return self._mechanism.to_native()
