"""The sandbox's AWS Config advanced queries: answers from moto's resources, Config's limits and errors, the
recorder's coverage, the aggregator's view over accounts and regions, and the modelled delay."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from byok.sandbox import clock
from byok.sandbox.config_view import VIEW
from byok.sandbox.server import LocalEndpoint
from support.accounts import client_in, credentials_of, start_recorder
from support.sandbox import ACCOUNT_ID, REGION, client, error_code

OTHER = "210987654321"
EU = "eu-west-1"


@pytest.fixture
def fresh(sandbox: LocalEndpoint) -> LocalEndpoint:
    sandbox.reset()
    return sandbox


@pytest.fixture
def config(fresh: LocalEndpoint) -> Any:
    return client(fresh, "config")


def rows(config: Any, expression: str, **arguments: Any) -> list[dict[str, Any]]:
    found, token = [], None
    while True:
        paging = {"NextToken": token} if token else {}
        page = config.select_resource_config(Expression=expression, **paging, **arguments)
        found.extend(json.loads(row) for row in page["Results"])
        token = page.get("NextToken")
        if not token:
            return found


def keys(fresh: LocalEndpoint, count: int) -> list[str]:
    kms = client(fresh, "kms")
    return [kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["Arn"] for _ in range(count)]


def test_nothing_is_answered_without_a_recorder(fresh, config):
    keys(fresh, 1)
    assert rows(config, "SELECT arn WHERE resourceType = 'AWS::KMS::Key'") == []


def test_a_query_selects_nested_properties_of_matching_items_only(fresh, config):
    start_recorder(config, ACCOUNT_ID)
    [key] = keys(fresh, 1)
    client(fresh, "sqs").create_queue(QueueName="orders", Attributes={"KmsMasterKeyId": key})
    client(fresh, "sqs").create_queue(QueueName="plain")
    found = rows(config, "SELECT arn, configuration.KmsMasterKeyId WHERE resourceType = 'AWS::SQS::Queue'")
    assert {"arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:orders", "configuration": {"KmsMasterKeyId": key}} in found
    assert {"arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:plain"} in found
    state = rows(config, "SELECT configuration.keyState, configuration.origin WHERE resourceType = 'AWS::KMS::Key'")
    assert state == [{"configuration": {"keyState": "PendingImport", "origin": "EXTERNAL"}}]


def test_where_supports_in_like_not_and_or(fresh, config):
    start_recorder(config, ACCOUNT_ID)
    sqs = client(fresh, "sqs")
    for name in ("app-a", "app-b", "other"):
        sqs.create_queue(QueueName=name)
    names = "SELECT resourceName WHERE resourceType = 'AWS::SQS::Queue' AND "
    assert {r["resourceName"] for r in rows(config, names + "resourceName LIKE 'app-%'")} == {"app-a", "app-b"}
    assert {r["resourceName"] for r in rows(config, names + "NOT resourceName IN ('app-a', 'other')")} == {"app-b"}
    either = names + "(resourceName = 'other' OR resourceName = 'app-a')"
    assert {r["resourceName"] for r in rows(config, either)} == {"app-a", "other"}


def test_results_come_a_hundred_a_page_at_most_and_page_to_the_end(fresh, config):
    start_recorder(config, ACCOUNT_ID)
    created = set(keys(fresh, 130))
    first = config.select_resource_config(Expression="SELECT arn WHERE resourceType = 'AWS::KMS::Key'")
    assert len(first["Results"]) == 100 and first["NextToken"]
    assert {r["arn"] for r in rows(config, "SELECT arn WHERE resourceType = 'AWS::KMS::Key'", Limit=7)} == created


@pytest.mark.parametrize(
    ("expression", "code"),
    [
        ("SELECT configuration.kmsKeyId, configuration.KmsKeyId", "InvalidExpressionException"),
        ("SELECT arn WHERE configuration.kmsKeyId IS NULL", "InvalidExpressionException"),
        ("SELECT arn WHERE resourceName LIKE '%suffix'", "InvalidExpressionException"),
        ("SELECT arn WHERE resourceName LIKE 'a%b%'", "InvalidExpressionException"),
        ("SELECT a.arn JOIN b", "InvalidExpressionException"),
        ("SELECT arn WHERE", "InvalidExpressionException"),
        ("SELECT resourceType, COUNT(*) GROUP BY resourceType", "InvalidExpressionException"),
        ("SELECT arn WHERE resourceType = '" + "x" * 4096 + "'", "ValidationException"),
    ],
)
def test_config_refuses_what_config_refuses(config, expression, code):
    assert error_code(lambda: config.select_resource_config(Expression=expression)) == code


def test_limits_and_tokens_are_checked(config):
    query = "SELECT arn WHERE resourceType = 'AWS::KMS::Key'"
    assert error_code(lambda: config.select_resource_config(Expression=query, Limit=101)) == "InvalidLimitException"
    bad_token = error_code(lambda: config.select_resource_config(Expression=query, NextToken="forged"))
    assert bad_token == "InvalidNextTokenException"


def test_the_recording_group_decides_what_is_answered(fresh, config):
    start_recorder(config, ACCOUNT_ID, allSupported=False, resourceTypes=["AWS::SQS::Queue"])
    keys(fresh, 1)
    client(fresh, "sqs").create_queue(QueueName="kept")
    found = rows(config, "SELECT resourceType WHERE resourceType IN ('AWS::KMS::Key', 'AWS::SQS::Queue')")
    assert found == [{"resourceType": "AWS::SQS::Queue"}]
    recorder = rows(
        config,
        "SELECT configuration.RecordingGroup.ResourceTypes WHERE resourceType = 'AWS::Config::ConfigurationRecorder'",
    )
    assert recorder == [{"configuration": {"RecordingGroup": {"ResourceTypes": ["AWS::SQS::Queue"]}}}]


def test_config_lags_the_services_by_the_modelled_delay(fresh, config):
    start_recorder(config, ACCOUNT_ID)
    VIEW.set_delay(300)
    query = "SELECT arn, configurationItemCaptureTime WHERE resourceType = 'AWS::KMS::Key'"
    [first] = keys(fresh, 1)
    seen = rows(config, query)
    [second] = keys(fresh, 1)
    assert [r["arn"] for r in seen] == [first] and [r["arn"] for r in rows(config, query)] == [first]
    clock.advance(301)
    later = {r["arn"]: r["configurationItemCaptureTime"] for r in rows(config, query)}
    assert set(later) == {first, second}
    assert later[first] == seen[0]["configurationItemCaptureTime"]  # unchanged item, unchanged capture time


def test_a_stopped_recorder_freezes_what_config_knows(fresh, config):
    start_recorder(config, ACCOUNT_ID)
    [first] = keys(fresh, 1)
    assert len(rows(config, "SELECT arn WHERE resourceType = 'AWS::KMS::Key'")) == 1
    config.stop_configuration_recorder(ConfigurationRecorderName="default")
    keys(fresh, 1)
    assert [r["arn"] for r in rows(config, "SELECT arn WHERE resourceType = 'AWS::KMS::Key'")] == [first]


def test_the_aggregator_answers_for_every_source_account_and_region(fresh, config):
    other = credentials_of(fresh.url, OTHER)
    placed = {}
    for account, credentials in ((ACCOUNT_ID, {}), (OTHER, other)):
        for region in (REGION, EU):
            aws = (
                (lambda s, r=region, c=credentials: client_in(fresh.url, s, r, c))
                if credentials
                else (lambda s, r=region: client(fresh, s, r))
            )
            if (account, region) != (OTHER, EU):  # no recorder there: nothing to aggregate
                start_recorder(aws("config"), account)
            placed[(account, region)] = aws("kms").create_key(Origin="EXTERNAL")["KeyMetadata"]["Arn"]
    sources = [{"AccountIds": [ACCOUNT_ID, OTHER], "AwsRegions": [REGION, EU]}]
    config.put_configuration_aggregator(ConfigurationAggregatorName="org", AccountAggregationSources=sources)
    page = config.select_aggregate_resource_config(
        Expression="SELECT accountId, awsRegion, arn WHERE resourceType = 'AWS::KMS::Key'",
        ConfigurationAggregatorName="org",
    )
    found = {(r["accountId"], r["awsRegion"]): r["arn"] for r in map(json.loads, page["Results"])}
    assert found == {slot: arn for slot, arn in placed.items() if slot != (OTHER, EU)}
    statuses = config.describe_configuration_aggregator_sources_status(ConfigurationAggregatorName="org")
    status = {(s["SourceId"], s["AwsRegion"]): s["LastUpdateStatus"] for s in statuses["AggregatedSourceStatusList"]}
    assert status[(OTHER, EU)] == "FAILED" and status[(ACCOUNT_ID, REGION)] == "SUCCEEDED"


def test_an_unknown_aggregator_is_refused(config):
    call = lambda: config.select_aggregate_resource_config(  # noqa: E731
        Expression="SELECT arn", ConfigurationAggregatorName="missing"
    )
    assert error_code(call) == "NoSuchConfigurationAggregatorException"


def test_an_organisation_aggregator_covers_the_organisations_accounts(fresh, config):
    organizations = client(fresh, "organizations")
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/aggregator"
    org_source = {"RoleArn": role, "AwsRegions": [REGION]}
    config.put_configuration_aggregator(ConfigurationAggregatorName="org", OrganizationAggregationSource=org_source)
    status = lambda: config.describe_configuration_aggregator_sources_status(ConfigurationAggregatorName="org")  # noqa: E731
    refused = error_code(status)
    assert refused == "OrganizationAccessDeniedException"
    organizations.create_organization(FeatureSet="ALL")
    member = organizations.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"]
    statuses = config.describe_configuration_aggregator_sources_status(ConfigurationAggregatorName="org")
    assert {s["SourceId"] for s in statuses["AggregatedSourceStatusList"]} == {ACCOUNT_ID, member["AccountId"]}


def test_the_delay_route_sets_and_reads_the_delay(fresh):
    answer = requests.post(f"{fresh.url}/_byok/config", json={"delay_seconds": 90}, timeout=10)
    assert answer.json()["delay_seconds"] == 90
    assert requests.post(f"{fresh.url}/_byok/config", json={"delay_seconds": -1}, timeout=10).status_code == 400
    assert VIEW.delay.total_seconds() == 90
    fresh.reset()
    assert VIEW.delay.total_seconds() == 0
