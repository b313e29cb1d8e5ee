"""Drift through a Config aggregator over two accounts and two regions, against the per-account API scan.

Account B has no recorder in eu-west-1, so Config cannot vouch for it there: the source scans that account and
region through the APIs (with the role) or reports the gap (without one). A stale aggregator sends everything
to the APIs and the findings stay the same.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from tests.drift.conftest import local_session

from byok.drift.engine import DriftResult, scan
from byok.drift.intent import Intent
from byok.drift.sources.config import ConfigSource
from byok.drift.sources.live import LiveSource
from byok.sandbox import clock
from byok.sandbox.config_view import VIEW
from support.accounts import client_in, credentials_of, start_recorder
from support.sandbox import ACCOUNT_ID, import_material

OTHER = "345678901234"
REGIONS = ("us-east-1", "eu-west-1")
ROLE = "byok-drift"


def seed(url: str, account: str, region: str, credentials: dict[str, str], record: bool) -> None:
    """A retired generation still used by a queue and a log group, and the active one used by a volume."""

    def aws(service: str):
        return client_in(url, service, region, credentials)

    kms = aws("kms")
    keys = {}
    for number, state in ((1, "retired"), (2, "active")):
        tags = {"byok:key": "app", "byok:generation": str(number), "byok:strategy": "alias-swap", "byok:state": state}
        key = kms.create_key(Origin="EXTERNAL", Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])
        keys[number] = key["KeyMetadata"]
        import_material(kms, keys[number]["KeyId"], os.urandom(32))
        kms.create_alias(AliasName=f"alias/app-g{number}", TargetKeyId=keys[number]["KeyId"])
    aws("sqs").create_queue(QueueName="orders", Attributes={"KmsMasterKeyId": keys[1]["Arn"]})
    aws("logs").create_log_group(logGroupName="/app", kmsKeyId=keys[1]["Arn"])
    aws("ec2").create_volume(AvailabilityZone=f"{region}a", Size=1, Encrypted=True, KmsKeyId=keys[2]["Arn"])
    if record:
        start_recorder(aws("config"), account)


@pytest.fixture(scope="module")
def estate(sandbox) -> Iterator[dict[str, dict[str, str]]]:
    sandbox.reset()
    credentials = {ACCOUNT_ID: credentials_of(sandbox.url, ACCOUNT_ID), OTHER: credentials_of(sandbox.url, OTHER)}
    for account in (ACCOUNT_ID, OTHER):
        for region in REGIONS:
            seed(sandbox.url, account, region, credentials[account], record=(account, region) != (OTHER, "eu-west-1"))
    config = client_in(sandbox.url, "config", REGIONS[0])
    sources = [{"AccountIds": [ACCOUNT_ID, OTHER], "AwsRegions": list(REGIONS)}]
    config.put_configuration_aggregator(ConfigurationAggregatorName="org", AccountAggregationSources=sources)
    yield credentials
    VIEW.set_delay(0)
    clock.reset()


def drift(source) -> DriftResult:
    return scan([source], Intent(), now=clock.now())


def findings(result: DriftResult) -> set[tuple[str, str, str]]:
    return {(f.rule_id, f.resource.id, f.severity.value) for f in result.findings}


def aggregated(sandbox, **options) -> ConfigSource:
    options.setdefault("role_name", ROLE)
    return ConfigSource(
        list(REGIONS), [ACCOUNT_ID, OTHER], "org", endpoint_url=sandbox.url, session=local_session(), **options
    )


@pytest.fixture(scope="module")
def api(sandbox, estate) -> DriftResult:
    source = LiveSource(list(REGIONS), [ACCOUNT_ID, OTHER], ROLE, sandbox.url, session=local_session())
    return drift(source)


def test_the_aggregator_gives_the_api_scans_findings(sandbox, api):
    source = aggregated(sandbox)
    result = drift(source)
    assert findings(result) == findings(api)
    assert {f[0] for f in findings(api)} == {"BYOK-D001", "BYOK-D011"}
    assert len([f for f in api.findings if f.rule_id == "BYOK-D001"]) == 8  # queue + log group, 4 places
    assert "3 of 4 account-region(s) from Config" in source.name


def test_where_config_has_no_recorder_the_apis_fill_in(sandbox, api):
    result = drift(aggregated(sandbox))
    unrecorded = {f.resource.id for f in result.findings if f.resource.region == "eu-west-1" and f.source == "live"}
    assert f"arn:aws:sqs:eu-west-1:{OTHER}:orders" in unrecorded
    recorded = {f.resource.id for f in result.findings if f.source == "config"}
    assert f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:orders" in recorded


def test_without_a_role_what_config_cannot_see_is_a_gap_not_silence(sandbox, api):
    result = drift(aggregated(sandbox, role_name=None))
    gaps = [f for f in result.findings if f.rule_id == "BYOK-D013"]
    assert [g.resource.account for g in gaps] == [OTHER]
    assert "no role reaches its APIs, so byok did not read " in gaps[0].detail
    assert "the materials of 2 imported key(s)" in gaps[0].detail
    assert "logs" in gaps[0].detail and "sqs" in gaps[0].detail  # eu-west-1 has no recorder: everything there
    own = {f for f in findings(api) if f":{ACCOUNT_ID}:" in f[1]}
    assert own <= findings(result)
    assert f"arn:aws:sqs:us-east-1:{OTHER}:orders" in {f.resource.id for f in result.findings}  # Config saw it


def test_stale_aggregated_data_is_replaced_by_an_api_scan(sandbox, api):
    VIEW.set_delay(7200)
    try:
        drift(aggregated(sandbox))  # Config captures everything now
        clock.advance(3600)
        source = aggregated(sandbox, max_age=timedelta(minutes=30), now=clock.now())
        result = drift(source)
    finally:
        VIEW.set_delay(0)
    assert "0 of 4 account-region(s) from Config" in source.name
    assert {f.source for f in result.findings} == {"live"}
    assert findings(result) == findings(api)
