"""Integration fixtures: a real SoftHSM2 token and the local AWS endpoint (moto + KMS import) in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from byok.config import AwsSettings
from byok.hsm import Pkcs11Hsm
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient
from byok.sandbox.introspection import check_value
from byok.sandbox.server import LocalEndpoint

REGION = "eu-central-1"


@pytest.fixture(scope="session", autouse=True)
def aws_credentials() -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        patch.setenv(name, "testing")
    patch.setenv("AWS_DEFAULT_REGION", REGION)
    patch.delenv("AWS_PROFILE", raising=False)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint() as running:
        yield running


@pytest.fixture
def kms(endpoint: LocalEndpoint) -> KmsClient:
    return KmsClient(AwsSettings(endpoint_url=endpoint.url, region=REGION))


@pytest.fixture
def importer(hsm: Pkcs11Hsm, kms: KmsClient) -> MaterialImporter:
    return MaterialImporter(hsm, kms, hsm.choose_algorithm())


@pytest.fixture
def imported_check_value():
    """What the sandbox KMS really imported, as a key check value (test-only introspection)."""

    def read(key_id: str, material_id: str) -> str:
        return check_value(DEFAULT_ACCOUNT_ID, REGION, key_id, material_id)

    return read
