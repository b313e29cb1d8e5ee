"""Test-only view into the sandbox: the key check value of an imported material, never the material itself.

A check value is what an HSM reports for its copy (PKCS#11 CKA_CHECK_VALUE), so comparing the two proves
that KMS received exactly the bytes the HSM holds without either side revealing them.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from moto.kms.models import kms_backends

from byok.sandbox.keys import materials_of

_CHECK_VALUE_LEN = 3


def check_value(account_id: str, region: str, key_id: str, material_id: str) -> str:
    """Hex of the first 3 bytes of AES-256-ECB(material, 16 zero bytes), as PKCS#11 2.40 defines it."""
    key = kms_backends[account_id][region].describe_key(key_id)
    materials = materials_of(key)
    material = materials.find(material_id) if materials is not None else None
    if material is None or material.secret is None:
        raise LookupError(f"key {key_id} has no imported key material {material_id}")
    # ECB over a single zero block is the definition of the check value, not a way to encrypt data.
    encryptor = Cipher(algorithms.AES(material.secret), modes.ECB()).encryptor()  # noqa: S305
    return (encryptor.update(bytes(16)) + encryptor.finalize())[:_CHECK_VALUE_LEN].hex()
