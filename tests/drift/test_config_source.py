"""The Config source against the API collectors on the same seeded estate, and when Config's data is stale or missing.

Everything runs on the local endpoint: moto's services hold the estate and the sandbox's Config extension answers
the advanced queries from them, with a recorder per account and region as real Config needs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.drift.conftest import aws, dev_intent, local_session
from tests.drift.estate import seed_estate

from byok.drift.engine import DriftResult, scan
from byok.drift.sources.config import ConfigSource
from byok.drift.sources.live import LiveSource
from byok.sandbox import clock
from byok.sandbox.config_view import VIEW
from support.accounts import start_recorder
from support.sandbox import ACCOUNT_ID, REGION


def record(sandbox, region: str = REGION, **group) -> None:
    start_recorder(aws(sandbox, "config", region), ACCOUNT_ID, **group)


def findings(result: DriftResult) -> set[tuple[str, str, str]]:
    return {(f.rule_id, f.resource.id, f.severity.value) for f in result.findings}


def by_source(result: DriftResult) -> dict[str, set[str]]:
    sources: dict[str, set[str]] = {}
    for f in result.findings:
        sources.setdefault(f.source or "", set()).add(f.resource.id)
    return sources


@pytest.fixture(scope="module")
def seeded(sandbox) -> Iterator[dict]:
    estate = seed_estate(sandbox)
    record(sandbox)
    aws(sandbox, "redshift").create_cluster(
        ClusterIdentifier="warehouse",
        NodeType="dc2.large",
        MasterUsername="admin",
        MasterUserPassword="Not-a-secret-1",
        Encrypted=True,
        KmsKeyId=estate["g1"],
    )
    estate["warehouse"] = f"arn:aws:redshift:{REGION}:{ACCOUNT_ID}:cluster:warehouse"
    yield estate
    clock.reset()


def run(sandbox, seeded, source) -> DriftResult:
    return scan([source], dev_intent(), now=seeded["now"], horizon_days=30)


def config_source(sandbox, seeded, **options) -> ConfigSource:
    return ConfigSource([REGION], endpoint_url=sandbox.url, session=local_session(), now=seeded["now"], **options)


@pytest.fixture(scope="module")
def api(sandbox, seeded) -> DriftResult:
    return run(sandbox, seeded, LiveSource([REGION], endpoint_url=sandbox.url, session=local_session()))


@pytest.fixture(scope="module")
def config(sandbox, seeded) -> tuple[DriftResult, ConfigSource]:
    source = config_source(sandbox, seeded)
    return run(sandbox, seeded, source), source


def test_config_finds_what_the_api_scan_finds_on_every_service_both_cover(api, config, seeded):
    result, _ = config
    only_config = {f for f in findings(result) if f[1] == seeded["warehouse"]}
    assert findings(api) == findings(result) - only_config
    assert len(findings(api)) >= 15


def test_what_only_config_sees_is_reported_from_config(api, config, seeded):
    result, _ = config
    assert {f[0] for f in findings(result) if f[1] == seeded["warehouse"]} == {"BYOK-D001", "BYOK-D008"}
    assert seeded["warehouse"] not in {f.resource.id for f in api.findings}
    assert seeded["warehouse"] in by_source(result)["config"]


def test_what_config_does_not_record_comes_from_the_apis_and_says_so(config):
    result, source = config
    log_group = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/dev/app"
    assert by_source(result)["live"] == {log_group}  # log groups are not recorded by Config
    assert "API scan of ebs-snapshots, logs in 1 account(s)" in source.name
    assert "1 of 1 account-region(s) from Config" in source.name
    assert "KMS materials of 6 imported key(s) from KMS" in source.name
    assert result.sources == (source.name,)


def test_materials_come_from_kms_only_for_the_imported_keys(config, seeded):
    result, _ = config
    logs = next(k for k in result.keys if k.arn == seeded["logs"])
    assert len(logs.materials) == 2  # the expiring NON_CURRENT one included: it is what BYOK-D004 is about


def test_a_type_the_recorder_excludes_is_scanned_through_its_api(sandbox, seeded, api):
    excluded = {"exclusionByResourceTypes": {"resourceTypes": ["AWS::SNS::Topic", "AWS::DynamoDB::Table"]}}
    record(sandbox, allSupported=False, recordingStrategy={"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}, **excluded)
    try:
        source = config_source(sandbox, seeded)
        result = run(sandbox, seeded, source)
    finally:
        record(sandbox)
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/dev-cache"
    assert {seeded["topic"], table} <= by_source(result)["live"]
    assert "API scan of dynamodb, ebs-snapshots, logs, sns" in source.name
    assert findings(api) <= findings(result)


def test_without_a_recorder_everything_comes_from_the_apis(sandbox, seeded, api):
    other_region = "eu-west-1"
    source = ConfigSource([REGION, other_region], endpoint_url=sandbox.url, session=local_session(), now=seeded["now"])
    result = run(sandbox, seeded, source)
    assert "1 of 2 account-region(s) from Config" in source.name
    assert findings(api) <= findings(result)


def test_a_stopped_recorder_means_stale_data_and_an_api_scan(sandbox, seeded, api):
    aws(sandbox, "config").stop_configuration_recorder(ConfigurationRecorderName="default")
    try:
        source = config_source(sandbox, seeded)
        result = run(sandbox, seeded, source)
    finally:
        record(sandbox)
    assert "0 of 1 account-region(s) from Config" in source.name
    assert set(by_source(result)) == {"live"}
    assert findings(result) == findings(api)


def test_config_lagging_the_services_misses_a_new_resource_until_it_catches_up(sandbox, seeded):
    VIEW.set_delay(600)
    try:
        run(sandbox, seeded, config_source(sandbox, seeded))  # Config captures the estate now
        volume = aws(sandbox, "ec2").create_volume(
            AvailabilityZone=f"{REGION}a", Size=1, Encrypted=True, KmsKeyId=seeded["g1"]
        )
        arn = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:volume/{volume['VolumeId']}"
        lagging = run(sandbox, seeded, config_source(sandbox, seeded))
        clock.advance(601)
        caught_up = run(sandbox, seeded, config_source(sandbox, seeded))
    finally:
        VIEW.set_delay(0)
        aws(sandbox, "ec2").delete_volume(VolumeId=volume["VolumeId"])
    assert arn not in {f.resource.id for f in lagging.findings}
    assert ("BYOK-D001", arn, "high") in findings(caught_up)


def test_config_source_pages_and_spends_few_calls(config):
    _, source = config
    spellings = 8  # one query per key property spelling in the catalogue
    assert source.provenance.config_calls <= spellings + 2


def test_other_accounts_need_an_aggregator(sandbox, seeded):
    source = ConfigSource([REGION], accounts=["222233334444"], endpoint_url=sandbox.url, session=local_session())
    with pytest.raises(Exception, match="--aggregator"):
        list(source.facts())
