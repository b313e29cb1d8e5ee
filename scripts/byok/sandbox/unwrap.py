"""Unwrapping imported key material exactly as the KMS wrapping algorithms define it.

Doing the real cryptography (instead of trusting the blob) is what makes the sandbox a test of the HSM side:
a wrong hash, a wrong padding or a blob made for another wrapping key fails here as it would in AWS.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap_with_padding

from byok.model import WrappingAlgorithm
from byok.sandbox.faults import fault

_EPHEMERAL_AES_KEY_LEN = 32
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}


def _oaep(algorithm: WrappingAlgorithm) -> padding.OAEP:
    """KMS pairs OAEP's label hash and MGF1 hash: both SHA-1 or both SHA-256."""
    digest = _HASHES[algorithm.hash_name]
    return padding.OAEP(mgf=padding.MGF1(algorithm=digest()), algorithm=digest(), label=None)


def unwrap(private_key: rsa.RSAPrivateKey, algorithm: WrappingAlgorithm, blob: bytes) -> bytes:
    """The plaintext material, or InvalidCiphertextException for anything that does not unwrap."""
    try:
        if not algorithm.uses_aes_key_wrap:
            return private_key.decrypt(blob, _oaep(algorithm))
        split = private_key.key_size // 8
        aes_key = private_key.decrypt(blob[:split], _oaep(algorithm))
        if len(aes_key) != _EPHEMERAL_AES_KEY_LEN:
            raise ValueError("the ephemeral key must be AES-256")
        return aes_key_unwrap_with_padding(aes_key, blob[split:])
    except (ValueError, InvalidUnwrap) as exc:
        raise fault(
            "InvalidCiphertextException",
            f"the key material could not be unwrapped with {algorithm.value} and this import token's public key",
        ) from exc
