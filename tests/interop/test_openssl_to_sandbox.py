"""AWS's documented "encrypt key material with OpenSSL" procedure, run with the real openssl binary.

This checks the sandbox against what AWS documents rather than against byok's own wrapping code: if the
sandbox unwrapped differently from KMS, material wrapped by the documented commands would not import.
Material stays in pytest's tmp_path and is never printed; only check values are compared.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from byok.sandbox import check_value
from support.sandbox import ACCOUNT_ID, REGION, sandbox, sandbox_kms, sandbox_kms_client

__all__ = ["sandbox", "sandbox_kms", "sandbox_kms_client"]


def _openssl(*args: str | Path) -> bytes:
    return subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True).stdout


def _rsa_oaep(tmp_path: Path, source: Path, target: Path, digest: str) -> None:
    _openssl(
        "pkeyutl", "-encrypt", "-in", source, "-out", target,
        "-inkey", tmp_path / "WrappingPublicKey.der", "-keyform", "DER", "-pubin",
        "-pkeyopt", "rsa_padding_mode:oaep",
        "-pkeyopt", f"rsa_oaep_md:{digest}",
        "-pkeyopt", f"rsa_mgf1_md:{digest}",
    )  # fmt: skip


def _wrap_as_documented(tmp_path: Path, algorithm: str) -> bytes:
    digest = "sha256" if algorithm.endswith("SHA_256") else "sha1"
    material = tmp_path / "material.bin"
    wrapped = tmp_path / "EncryptedKeyMaterial.bin"
    if algorithm.startswith("RSAES_OAEP"):
        _rsa_oaep(tmp_path, material, wrapped, digest)
        return wrapped.read_bytes()
    aes_key = tmp_path / "aes-key.bin"
    _openssl("rand", "-out", aes_key, "32")
    _openssl(
        "enc", "-id-aes256-wrap-pad", "-K", aes_key.read_bytes().hex(), "-iv", "A65959A6",
        "-in", material, "-out", tmp_path / "material-wrapped.bin",
    )  # fmt: skip
    _rsa_oaep(tmp_path, aes_key, tmp_path / "aes-key-wrapped.bin", digest)
    return (tmp_path / "aes-key-wrapped.bin").read_bytes() + (tmp_path / "material-wrapped.bin").read_bytes()


def _openssl_check_value(tmp_path: Path) -> str:
    zeros = tmp_path / "zero-block.bin"
    zeros.write_bytes(bytes(16))
    key_hex = (tmp_path / "material.bin").read_bytes().hex()
    return _openssl("enc", "-aes-256-ecb", "-nopad", "-K", key_hex, "-in", zeros)[:3].hex()


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
    (tmp_path / "WrappingPublicKey.der").write_bytes(params["PublicKey"])
    _openssl("rand", "-out", tmp_path / "material.bin", "32")

    imported = kms.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=_wrap_as_documented(tmp_path, algorithm),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )

    assert check_value(ACCOUNT_ID, REGION, key_id, imported["KeyMaterialId"]) == _openssl_check_value(tmp_path)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"interop", EncryptionContext={"via": "openssl"})["CiphertextBlob"]
    decrypted = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"via": "openssl"})
    assert (decrypted["Plaintext"], decrypted["KeyMaterialId"]) == (b"interop", imported["KeyMaterialId"])
