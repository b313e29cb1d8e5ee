"""AWS's documented "encrypt key material with OpenSSL" procedure, run with the real openssl binary.

Conformance tests import material wrapped this way, not by byok, so that they check the local endpoint against
what AWS documents. Material files stay in the test's own directory and are never printed; tests compare check
values (first 3 bytes of AES-256-ECB of a zero block), as an HSM would report them.
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path


def openssl(*args: str | Path) -> bytes:
    return subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True).stdout


class DocumentedWrap:
    """The procedure's steps in one working directory: make material, wrap it for a public key, check it."""

    def __init__(self, workdir: Path) -> None:
        self._dir = workdir
        self._names = itertools.count(1)

    def new_material(self) -> Path:
        """``openssl rand -out PlaintextKeyMaterial.bin 32``: a symmetric key's 256 bits."""
        path = self._dir / f"PlaintextKeyMaterial-{next(self._names)}.bin"
        openssl("rand", "-out", path, "32")
        return path

    def wrap(self, public_key_der: bytes, algorithm: str, material: Path) -> bytes:
        """EncryptedKeyMaterial for ``algorithm`` under the DER public key GetParametersForImport returned."""
        step = next(self._names)
        public_key = self._dir / f"WrappingPublicKey-{step}.der"
        public_key.write_bytes(public_key_der)
        digest = "sha256" if algorithm.endswith("SHA_256") else "sha1"
        wrapped = self._dir / f"EncryptedKeyMaterial-{step}.bin"
        if algorithm.startswith("RSAES_OAEP"):
            self._rsa_oaep(public_key, material, wrapped, digest)
            return wrapped.read_bytes()
        aes_key = self._dir / f"aes-key-{step}.bin"
        openssl("rand", "-out", aes_key, "32")
        material_wrapped = self._dir / f"material-wrapped-{step}.bin"
        openssl(
            "enc", "-id-aes256-wrap-pad", "-K", aes_key.read_bytes().hex(), "-iv", "A65959A6",
            "-in", material, "-out", material_wrapped,
        )  # fmt: skip
        self._rsa_oaep(public_key, aes_key, wrapped, digest)
        return wrapped.read_bytes() + material_wrapped.read_bytes()

    def check_value(self, material: Path) -> str:
        zeros = self._dir / "zero-block.bin"
        zeros.write_bytes(bytes(16))
        return openssl("enc", "-aes-256-ecb", "-nopad", "-K", material.read_bytes().hex(), "-in", zeros)[:3].hex()

    @staticmethod
    def _rsa_oaep(public_key: Path, source: Path, target: Path, digest: str) -> None:
        openssl(
            "pkeyutl", "-encrypt", "-in", source, "-out", target,
            "-inkey", public_key, "-keyform", "DER", "-pubin",
            "-pkeyopt", "rsa_padding_mode:oaep",
            "-pkeyopt", f"rsa_oaep_md:{digest}",
            "-pkeyopt", f"rsa_mgf1_md:{digest}",
        )  # fmt: skip
