"""AWS's documented "encrypt key material with OpenSSL" procedure, run with the real openssl binary.

This checks the sandbox against what AWS documents rather than against byok's own wrapping code: if the
sandbox unwrapped differently from KMS, material wrapped by the documented commands would not import.
Material stays in pytest's tmp_path and is never printed; only check values are compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from byok.sandbox import check_value
from support.openssl import DocumentedWrap
from support.sandbox import ACCOUNT_ID, REGION, sandbox, sandbox_kms, sandbox_kms_client

__all__ = ["sandbox", "sandbox_kms", "sandbox_kms_client"]


@pytest.mark.parametrize(
    ("algorithm", "wrapping_key_spec"),
    [
        ("RSAES_OAEP_SHA_1", "RSA_2048"),
        ("RSAES_OAEP_SHA_256", "RSA_3072"),
        ("RSA_AES_KEY_WRAP_SHA_1", "RSA_2048"),
        ("RSA_AES_KEY_WRAP_SHA_256", "RSA_4096"),
    ],
)
def test_material_wrapped_by_openssl_imports_and_encrypts(
    sandbox_kms: Any, tmp_path: Path, algorithm: str, wrapping_key_spec: str
) -> None:
    kms = sandbox_kms
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=wrapping_key_spec)
    procedure = DocumentedWrap(tmp_path)
    material = procedure.new_material()

    imported = kms.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=procedure.wrap(params["PublicKey"], algorithm, material),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )

    assert check_value(ACCOUNT_ID, REGION, key_id, imported["KeyMaterialId"]) == procedure.check_value(material)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"interop", EncryptionContext={"via": "openssl"})["CiphertextBlob"]
    decrypted = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"via": "openssl"})
    assert (decrypted["Plaintext"], decrypted["KeyMaterialId"]) == (b"interop", imported["KeyMaterialId"])
