"""A seeded local estate with known answers: every expected finding, with the right rule, severity and resource."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.drift.conftest import aws, dev_intent, local_session
from tests.drift.estate import external_key, seed_estate

from byok.drift.engine import DriftResult, scan
from byok.drift.findings import Severity
from byok.drift.intent import Intent
from byok.drift.sources.live import LiveSource
from byok.sandbox import clock
from support.sandbox import ACCOUNT_ID, REGION

OTHER_ACCOUNT = "222233334444"


@pytest.fixture(scope="module")
def seeded(sandbox) -> Iterator[dict]:
    yield seed_estate(sandbox)
    clock.reset()


@pytest.fixture(scope="module")
def result(sandbox, seeded) -> DriftResult:
    source = LiveSource([REGION], endpoint_url=sandbox.url, session=local_session(), workers=8)
    return scan([source], dev_intent(), now=seeded["now"], horizon_days=30)


def found(result: DriftResult, rule_id: str) -> dict[str, Severity]:
    """Findings of one rule by resource; moto's automated snapshot of the database shares its key and findings."""
    snapshot = f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:snapshot:rds:orders-"
    return {
        f.resource.id: f.severity for f in result.findings if f.rule_id == rule_id and snapshot not in f.resource.id
    }


def test_resources_on_a_retired_generation(result, seeded):
    rds = f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:db:orders"
    assert found(result, "BYOK-D001") == {rds: Severity.HIGH, seeded["topic"]: Severity.HIGH}


def test_resource_on_a_retiring_generation(result, seeded):
    assert found(result, "BYOK-D002") == {seeded["volume"]: Severity.MEDIUM}


def test_overdue_key(result, seeded):
    assert found(result, "BYOK-D003") == {seeded["logs"]: Severity.HIGH}


def test_non_current_material_expiring_tomorrow(result, seeded):
    assert found(result, "BYOK-D004") == {seeded["logs"]: Severity.HIGH}
    [expiring] = [f for f in result.findings if f.rule_id == "BYOK-D004"]
    assert "NON_CURRENT" in expiring.detail


def test_expired_material_but_not_the_retired_generations_deleted_one(result, seeded):
    assert found(result, "BYOK-D005") == {seeded["cache"]: Severity.CRITICAL}


def test_alias_on_the_wrong_generation(result):
    [alias] = [f for f in result.findings if f.rule_id == "BYOK-D006"]
    assert alias.resource.id == f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:alias/dev-app"
    assert "expected dev-app generation 3" in alias.detail


def test_key_pending_deletion_still_used(result, seeded):
    assert found(result, "BYOK-D007") == {seeded["secret"]: Severity.CRITICAL}


def test_keys_pending_import_still_used(result, seeded):
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/dev-cache"
    rds = f"arn:aws:rds:{REGION}:{ACCOUNT_ID}:db:orders"
    assert set(found(result, "BYOK-D008")) == {table, rds, seeded["topic"]}


def test_reference_to_a_key_that_does_not_exist(result):
    assert found(result, "BYOK-D012") == {f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/dev/app": Severity.MEDIUM}


def test_imported_keys_get_one_explanation_each_not_an_alarm(result, seeded):
    explained = found(result, "BYOK-D011")
    assert set(explained) == {seeded[name] for name in ("g1", "g2", "g3", "logs", "cache")}
    assert set(explained.values()) == {Severity.INFO}


def test_nothing_else_is_reported(result):
    assert {f.rule_id for f in result.findings} == {f"BYOK-D{n:03d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 11, 12)}
    assert all(f.source == "live" for f in result.findings)


def test_timeline_data_has_every_material(result, seeded):
    logs = [k for k in result.keys if k.arn == seeded["logs"]]
    assert len(logs) == 1 and len(logs[0].materials) == 2 and logs[0].environment == "dev"


def test_other_accounts_are_scanned_through_the_assumed_role(sandbox, seeded):
    sts = aws(sandbox, "sts")
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/byok-drift", RoleSessionName="seed")
    credentials = assumed["Credentials"]
    other = aws(
        sandbox,
        "kms",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    key = other.create_key(Origin="EXTERNAL", Tags=[{"TagKey": "byok:key", "TagValue": "other"}])["KeyMetadata"]
    source = LiveSource(
        [REGION],
        accounts=[ACCOUNT_ID, OTHER_ACCOUNT],
        role_name="byok-drift",
        endpoint_url=sandbox.url,
        session=local_session(),
        collectors=["kms"],
    )
    keys = {fact.reference.arn for fact in source.facts() if hasattr(fact, "reference") and hasattr(fact, "origin")}
    assert key["Arn"] in keys and seeded["g3"] in keys


def test_a_clean_estate_has_nothing_to_fix(sandbox):
    sandbox.reset()
    kms = aws(sandbox, "kms")
    key = external_key(kms, "dev-cache", 1, "in-place")
    kms.create_alias(AliasName="alias/dev-cache", TargetKeyId=key["KeyId"])
    aws(sandbox, "sqs").create_queue(QueueName="clean", Attributes={"KmsMasterKeyId": "alias/dev-cache"})
    intent = Intent(keys={"dev-cache": dev_intent().keys["dev-cache"]})
    source = LiveSource([REGION], endpoint_url=sandbox.url, session=local_session(), collectors=["kms", "sqs"])
    result = scan([source], intent)
    assert [f.rule_id for f in result.findings] == ["BYOK-D011"]
    assert result.at_least(Severity.LOW) == []
