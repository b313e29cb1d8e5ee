"""SoftHSM2's wrapped output, unwrapped by the real `openssl` binary the way AWS documents it.

The test plays KMS: it owns the RSA private key, so it can reverse the wrap and compare the
result with the key check value the token reports. The unwrapped material is throwaway test
material: this is the only place where material exists outside the HSM, and only in tmp_path
for the length of this test. Nothing here prints it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from byok.config import HsmSettings
from byok.hsm import Pkcs11Hsm, SoftHsmToken
from byok.model import WrappingAlgorithm

PIN = "interop-3e9f0c"
OAEP_SHA1 = ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1", "-pkeyopt", "rsa_mgf1_md:sha1"]


@pytest.fixture(scope="module")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pkcs11Hsm]:
    token = SoftHsmToken.create(tmp_path_factory.mktemp("softhsm"), "interop", PIN, "interop-so-7d21")
    with Pkcs11Hsm.open(HsmSettings(module=token.module, token_label=token.label), PIN) as opened:
        yield opened


@pytest.fixture(scope="module")
def kms_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """The private key KMS would keep, and the DER public key GetParametersForImport would return."""
    work = tmp_path_factory.mktemp("kms")
    private = work / "wrapping-key.pem"
    _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(private))
    public_der = _openssl("pkey", "-in", str(private), "-pubout", "-outform", "DER")
    return private, public_der


def test_softhsm_supports_the_sha1_algorithms(hsm: Pkcs11Hsm) -> None:
    assert set(hsm.wrapping_capabilities()) == {
        WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1,
        WrappingAlgorithm.RSAES_OAEP_SHA_1,
    }


@pytest.mark.parametrize("algorithm", [WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1])
def test_openssl_unwraps_to_the_material_the_token_holds(
    hsm: Pkcs11Hsm, kms_key: tuple[Path, bytes], tmp_path: Path, algorithm: WrappingAlgorithm
) -> None:
    private, public_der = kms_key
    material = hsm.generate_material(f"interop-{algorithm}")
    wrapped = hsm.wrap(material.label, public_der, algorithm)

    unwrapped = tmp_path / "material.bin"
    if algorithm.uses_aes_key_wrap:
        modulus_bytes = serialization.load_der_public_key(public_der).key_size // 8  # RSA part comes first
        (tmp_path / "rsa-part.bin").write_bytes(wrapped[:modulus_bytes])
        (tmp_path / "kwp-part.bin").write_bytes(wrapped[modulus_bytes:])
        aes_key = _rsa_decrypt(private, tmp_path / "rsa-part.bin", tmp_path)
        unwrapped.write_bytes(
            _openssl(
                "enc", "-d", "-id-aes256-wrap-pad", "-K", aes_key.hex(), "-iv", "A65959A6",
                "-in", str(tmp_path / "kwp-part.bin"),
            )
        )  # fmt: skip
    else:
        (tmp_path / "wrapped.bin").write_bytes(wrapped)
        unwrapped.write_bytes(_rsa_decrypt(private, tmp_path / "wrapped.bin", tmp_path))

    key = unwrapped.read_bytes()
    assert len(key) == 32
    zero_block = tmp_path / "zero.bin"
    zero_block.write_bytes(bytes(16))
    encrypted = _openssl("enc", "-aes-256-ecb", "-nopad", "-K", key.hex(), "-in", str(zero_block))
    assert encrypted[:3].hex() == material.check_value


def _rsa_decrypt(private: Path, ciphertext: Path, work: Path) -> bytes:
    out = work / f"{ciphertext.stem}.plain"
    _openssl("pkeyutl", "-decrypt", "-inkey", str(private), "-in", str(ciphertext), "-out", str(out), *OAEP_SHA1)
    return out.read_bytes()


def _openssl(*args: str) -> bytes:
    # Key hex on argv is acceptable only for this throwaway test material; it mirrors AWS's documented steps.
    return subprocess.run(["openssl", *args], check=True, capture_output=True).stdout
