"""Canary ciphertexts: proof that a rotation broke nothing.

Before a rotation byok encrypts random, non-secret bytes under the key and keeps the
ciphertext and a digest of the plaintext. Afterwards every canary must still decrypt to the
same digest, and a fresh encryption must name the new material (in place) or the new key
(alias swap).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from byok.errors import KmsError
from byok.kms.client import KmsClient


@dataclass(frozen=True)
class Canary:
    key_arn: str
    ciphertext_b64: str
    plaintext_sha256: str
    material_id: str | None
    context: tuple[tuple[str, str], ...]

    @property
    def encryption_context(self) -> dict[str, str]:
        return dict(self.context)


class CanaryFailed(KmsError):
    """A canary did not decrypt, or decrypted to other bytes: the rotation broke something."""


def make_canary(kms: KmsClient, key: str, purpose: str) -> Canary:
    """Encrypt fresh random bytes; the material that encrypted them is read back by decrypting once."""
    plaintext = os.urandom(32)
    context = (("byok:canary", purpose),)
    ciphertext = kms.encrypt(key, plaintext, dict(context))
    _, material_id = kms.decrypt(key, ciphertext, dict(context))
    return Canary(
        key_arn=kms.describe(key).arn,
        ciphertext_b64=base64.b64encode(ciphertext).decode(),
        plaintext_sha256=hashlib.sha256(plaintext).hexdigest(),
        material_id=material_id,
        context=context,
    )


def verify_canary(kms: KmsClient, canary: Canary) -> str | None:
    """Decrypt and compare digests; returns the material ID KMS used."""
    plaintext, material_id = kms.decrypt(
        canary.key_arn, base64.b64decode(canary.ciphertext_b64), canary.encryption_context
    )
    if hashlib.sha256(plaintext).hexdigest() != canary.plaintext_sha256:
        raise CanaryFailed(
            f"canary under {canary.key_arn} decrypted to different bytes",
            "stop: do not retire anything; investigate the key's materials",
        )
    return material_id
