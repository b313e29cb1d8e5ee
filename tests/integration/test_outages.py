"""Throttling and 5xx bursts: botocore's adaptive retries absorb a burst; a long outage is one clear error,
nothing is lost, and the re-run finishes without generating a second material."""

from __future__ import annotations

import uuid

import pytest

from byok.config import AwsSettings
from byok.errors import KmsError
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient
from byok.model import KeyState
from byok.sandbox import outages


@pytest.fixture(autouse=True)
def no_outage_left_behind():
    outages.clear()
    yield
    outages.clear()


def new_key(kms):
    alias = f"alias/outage-{uuid.uuid4().hex[:8]}"
    key = kms.create_external_key("outage test")
    kms.create_alias(alias, key.key_id)
    return alias, key


@pytest.mark.parametrize(
    ("action", "code", "status"),
    [
        ("ImportKeyMaterial", "ThrottlingException", 400),
        ("GetParametersForImport", "KMSInternalException", 500),
        ("RotateKeyOnDemand", "ThrottlingException", 400),
    ],
)
def test_a_burst_is_absorbed_by_retries(importer, kms, action, code, status):
    alias, _ = new_key(kms)
    importer.execute(importer.plan(alias), valid_to=None)
    outages.inject(action, code, status, count=3)
    outcome = importer.execute(importer.plan(alias), valid_to=None)
    assert outages.served[action] == 3  # the failures really happened
    assert kms.describe(alias).current_material_id == outcome.material_id
    assert len(kms.list_materials(alias)) == 2


def test_a_long_outage_fails_clearly_and_the_rerun_finishes(importer, endpoint, hsm, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")  # the same give-up path as 8 attempts, without a minute of backoff
    kms = KmsClient(AwsSettings(endpoint_url=endpoint.url, region="eu-central-1"))
    importer = MaterialImporter(importer.hsm, kms, importer.algorithm)
    alias, key = new_key(kms)
    outages.inject("ImportKeyMaterial", "ThrottlingException", 400, count=50)
    plan = importer.plan(alias)
    with pytest.raises(KmsError) as caught:
        importer.execute(plan, valid_to=None)
    assert "ThrottlingException" in str(caught.value) and "retry later" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert kms.describe(alias).state == KeyState.PENDING_IMPORT
    outages.clear()
    rerun = importer.plan(alias)
    assert rerun.label == plan.label and not rerun.generate  # the HSM object of the failed run is reused
    importer.execute(rerun, valid_to=None)
    assert kms.describe(alias).state == KeyState.ENABLED
    assert len(hsm.list_materials(f"byok/{key.key_id}/")) == 1
