"""Encrypt and Decrypt for symmetric keys, with moto's function signatures so every moto caller uses them.

moto encrypts with one fixed secret per key, ignores the key state and cannot survive a rotation. These
replacements refuse keys that are not Enabled and seal with the CURRENT material, naming it in the blob so
NON_CURRENT materials keep decrypting what they sealed.
"""

from __future__ import annotations

from typing import Any

from moto.kms.exceptions import (
    AccessDeniedException,
    InvalidCiphertextException,
    InvalidKeyUsageException,
    NotFoundException,
    ValidationException,
)

from byok.sandbox import ciphertext, usage
from byok.sandbox.keys import ensure_usable, materials_of
from byok.sandbox.materials import KeyMaterials

_MAX_PLAINTEXT = 4096


def _usable_materials(key: Any) -> KeyMaterials:
    ensure_usable(key)
    materials = materials_of(key)
    if materials is None or key.key_spec != "SYMMETRIC_DEFAULT":
        raise InvalidKeyUsageException()
    return materials


def encrypt(master_keys: dict[str, Any], key_id: str, plaintext: bytes, encryption_context: dict[str, str]) -> bytes:
    key = master_keys.get(key_id)
    if key is None:
        raise NotFoundException(f"keyId {key_id} is not found.")
    if not 1 <= len(plaintext) <= _MAX_PLAINTEXT:
        raise ValidationException(f"Plaintext must be 1 to {_MAX_PLAINTEXT} bytes long.")
    current = _usable_materials(key).current()
    assert current is not None and current.secret is not None  # an Enabled key has its current material
    sealed = ciphertext.seal(key.id, current.material_id, current.secret, plaintext, encryption_context)
    usage.record(key, "Encrypt")
    return sealed


def decrypt(
    master_keys: dict[str, Any], ciphertext_blob: bytes, encryption_context: dict[str, str]
) -> tuple[bytes, str]:
    try:
        sealed = ciphertext.parse(ciphertext_blob)
    except ciphertext.MalformedCiphertext as exc:
        raise InvalidCiphertextException() from exc
    key = master_keys.get(sealed.key_id)
    if key is None:
        raise AccessDeniedException("The ciphertext refers to a KMS key that does not exist in this Region.")
    secret = _usable_materials(key).decrypting_secret(sealed.material_id)
    if secret is None:
        raise InvalidCiphertextException()
    try:
        plaintext = ciphertext.open_sealed(sealed, secret, encryption_context)
    except ciphertext.MalformedCiphertext as exc:
        raise InvalidCiphertextException() from exc
    usage.record(key, "Decrypt")
    return plaintext, key.id


def material_id_in(blob: bytes) -> str:
    """KeyMaterialId for Decrypt/ReEncrypt/GenerateDataKey responses, read from a blob already accepted."""
    return ciphertext.parse(blob).material_id
