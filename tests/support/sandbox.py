"""pytest fixtures and a software stand-in for the HSM's wrapping step, for tests that need the sandbox.

Test modules import the fixtures (``from support.sandbox import sandbox, sandbox_kms``) so that every
suite gets one endpoint per worker process and a clean KMS (and real-time clock) per test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding
from cryptography.hazmat.primitives.serialization import load_der_public_key

from byok.model import WrappingAlgorithm
from byok.sandbox.server import LocalEndpoint

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account


@pytest.fixture(scope="session")
def sandbox() -> Iterator[LocalEndpoint]:
    with LocalEndpoint() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def sandbox_kms_client(sandbox: LocalEndpoint) -> Any:
    """One client per session: building a boto3 client costs more than most sandbox calls."""
    return client(sandbox, "kms")


@pytest.fixture
def sandbox_kms(sandbox: LocalEndpoint, sandbox_kms_client: Any) -> Any:
    sandbox.reset()
    return sandbox_kms_client


def client(endpoint: LocalEndpoint, service: str, region: str = REGION, config: Config | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto accepts any credentials
        config=config,
    )


def wrap(public_key_der: bytes, algorithm: str, material: bytes) -> bytes:
    """What an HSM does with the KMS wrapping key, done in software for tests that are about KMS, not HSMs."""
    spec = WrappingAlgorithm(algorithm)
    digest = hashes.SHA256 if spec.hash_name == "sha256" else hashes.SHA1
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=digest()), algorithm=digest(), label=None)
    public_key = load_der_public_key(public_key_der)
    if not spec.uses_aes_key_wrap:
        return public_key.encrypt(material, oaep)  # type: ignore[union-attr]
    ephemeral = os.urandom(32)
    return public_key.encrypt(ephemeral, oaep) + aes_key_wrap_with_padding(ephemeral, material)  # type: ignore[union-attr]


def get_parameters(
    kms: Any, key_id: str, algorithm: str = "RSAES_OAEP_SHA_256", wrapping_key_spec: str = "RSA_2048"
) -> dict[str, Any]:
    return kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=wrapping_key_spec)


def import_material(
    kms: Any,
    key_id: str,
    material: bytes,
    algorithm: str = "RSAES_OAEP_SHA_256",
    wrapping_key_spec: str = "RSA_2048",
    **import_args: Any,
) -> dict[str, Any]:
    """GetParametersForImport, wrap, ImportKeyMaterial; material does not expire unless the caller says so."""
    params = kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=wrapping_key_spec)
    if "ValidTo" not in import_args:
        import_args.setdefault("ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    return kms.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=wrap(params["PublicKey"], algorithm, material),
        **import_args,
    )


def error_code(call: Callable[[], Any]) -> str:
    """The KMS error code a call fails with; fails the test if the call succeeds."""
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def list_materials(kms: Any, key_id: str) -> list[dict[str, Any]]:
    return kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]


def key_state(kms: Any, key_id: str) -> str:
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
