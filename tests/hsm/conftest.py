"""HSM test helpers; the SoftHSM2 token fixtures live in tests/conftest.py."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from byok.hsm import Pkcs11Hsm


@pytest.fixture(scope="session")
def public_key_der() -> Callable[[int], bytes]:
    """A stand-in for the KMS wrapping public key of a given size; cached, since RSA-4096 is slow to make."""

    @functools.cache
    def make(bits: int) -> bytes:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    return make


@pytest.fixture
def count_objects(hsm: Pkcs11Hsm) -> Callable[[], int]:
    """How many objects the session sees, token and session objects alike."""
    return lambda: hsm._connection.run(lambda session: len(session.findObjects([])))
