"""Each token's wrapped output, unwrapped by the real `openssl` binary the way AWS documents it.

The test plays KMS: it owns the RSA private key, so it can reverse the wrap and compare the
result with the key check value the token reports; on a token without check values (opencryptoki)
the material is wrapped twice, under SHA-1 and SHA-256 OAEP, and both unwraps must agree. The
unwrapped material is throwaway test material: this is the only place where material exists
outside the HSM, and only in tmp_path for the length of this test. Nothing here prints it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from byok.hsm import Pkcs11Hsm
from byok.model import WrappingAlgorithm

ALGORITHMS = [
    WrappingAlgorithm.RSAES_OAEP_SHA_1,
    pytest.param(WrappingAlgorithm.RSAES_OAEP_SHA_256, marks=pytest.mark.needs("rsa-oaep-sha256")),
    pytest.param(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, marks=pytest.mark.needs("aes-key-wrap")),
]


@pytest.fixture(scope="module")
def kms_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """The private key KMS would keep, and the DER public key GetParametersForImport would return."""
    work = tmp_path_factory.mktemp("kms")
    private = work / "wrapping-key.pem"
    _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(private))
    public_der = _openssl("pkey", "-in", str(private), "-pubout", "-outform", "DER")
    return private, public_der


def test_the_token_supports_what_it_is_known_for(hsm: Pkcs11Hsm, token) -> None:
    assert hsm.wrapping_capabilities() == list(token.kind.wraps_with)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_openssl_unwraps_to_the_material_the_token_holds(
    hsm: Pkcs11Hsm, token, kms_key: tuple[Path, bytes], tmp_path: Path, algorithm: WrappingAlgorithm
) -> None:
    private, public_der = kms_key
    material = hsm.generate_material(f"interop-{algorithm}")
    key = _unwrap_with_openssl(
        hsm.wrap(material.label, public_der, algorithm), algorithm, private, public_der, tmp_path
    )
    assert len(key) == 32
    if material.check_value is not None:
        zero_block = tmp_path / "zero.bin"
        zero_block.write_bytes(bytes(16))
        encrypted = _openssl("enc", "-aes-256-ecb", "-nopad", "-K", key.hex(), "-in", str(zero_block))
        assert encrypted[:3].hex() == material.check_value
    else:  # no check value to compare with: the other OAEP hash must unwrap to the same key
        other = next(a for a in token.kind.wraps_with if a != algorithm)
        again = _unwrap_with_openssl(hsm.wrap(material.label, public_der, other), other, private, public_der, tmp_path)
        assert again == key


def _unwrap_with_openssl(
    wrapped: bytes, algorithm: WrappingAlgorithm, private: Path, public_der: bytes, tmp_path: Path
) -> bytes:

    unwrapped = tmp_path / "material.bin"
    if algorithm.uses_aes_key_wrap:
        modulus_bytes = serialization.load_der_public_key(public_der).key_size // 8  # RSA part comes first
        (tmp_path / "rsa-part.bin").write_bytes(wrapped[:modulus_bytes])
        (tmp_path / "kwp-part.bin").write_bytes(wrapped[modulus_bytes:])
        aes_key = _rsa_decrypt(private, tmp_path / "rsa-part.bin", tmp_path, algorithm)
        unwrapped.write_bytes(
            _openssl(
                "enc", "-d", "-id-aes256-wrap-pad", "-K", aes_key.hex(), "-iv", "A65959A6",
                "-in", str(tmp_path / "kwp-part.bin"),
            )
        )  # fmt: skip
    else:
        (tmp_path / "wrapped.bin").write_bytes(wrapped)
        unwrapped.write_bytes(_rsa_decrypt(private, tmp_path / "wrapped.bin", tmp_path, algorithm))
    return unwrapped.read_bytes()


def _rsa_decrypt(private: Path, ciphertext: Path, work: Path, algorithm: WrappingAlgorithm) -> bytes:
    out = work / f"{ciphertext.stem}.plain"
    md = algorithm.hash_name
    oaep = ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", f"rsa_oaep_md:{md}", "-pkeyopt", f"rsa_mgf1_md:{md}"]
    _openssl("pkeyutl", "-decrypt", "-inkey", str(private), "-in", str(ciphertext), "-out", str(out), *oaep)
    return out.read_bytes()


def _openssl(*args: str) -> bytes:
    # Key hex on argv is acceptable only for this throwaway test material; it mirrors AWS's documented steps.
    return subprocess.run(["openssl", *args], check=True, capture_output=True).stdout
