"""The Lambda handlers, called in-process the way Lambda calls them, against the seeded local endpoint.

moto 5.2.5 accepts PutEvaluations only in test mode and stores nothing, so the Config tests invoke with
AWS Config's ``TESTMODE`` token and read the evaluations from the request the handler put on the wire.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from byok.drift.sources.config import ConfigSource
from byok.monitor import handler, nightly
from byok.monitor.settings import Settings
from support.accounts import start_recorder
from support.sandbox import ACCOUNT_ID, REGION, client

RULE_ARN = f"arn:aws:config:{REGION}:{ACCOUNT_ID}:config-rule/config-rule-byok01"


@pytest.fixture
def wire() -> Iterator[list[dict[str, Any]]]:
    """PutEvaluations request bodies as sent, before moto sees them."""
    sent: list[dict[str, Any]] = []

    def record(request: Any, **_: Any) -> None:
        sent.append(json.loads(request.body))

    event = "before-send.config-service.PutEvaluations"
    handler.SESSION.events.register(event, record)
    yield sent
    handler.SESSION.events.unregister(event, record)


def change_event(resource_type: str, resource_id: str, arn: str, status: str = "OK") -> dict[str, Any]:
    item = {
        "resourceType": resource_type,
        "resourceId": resource_id,
        "ARN": arn,
        "configurationItemStatus": status,
        "configurationItemCaptureTime": "2026-11-28T03:00:00.000Z",
        "awsRegion": REGION,
    }
    invoking = {"messageType": "ConfigurationItemChangeNotification", "configurationItem": item}
    return {"invokingEvent": json.dumps(invoking), "configRuleArn": RULE_ARN, "resultToken": "TESTMODE"}


def bucket_event(name: str, status: str = "OK") -> dict[str, Any]:
    return change_event("AWS::S3::Bucket", name, f"arn:aws:s3:::{name}", status)


def verdicts(answer: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {e["ComplianceResourceId"]: (e["ComplianceType"], e["Annotation"]) for e in answer["evaluations"]}


def test_bucket_on_a_retiring_generation_is_non_compliant(lambda_env, wire):
    answer = handler.config_rule(bucket_event("dev-app-old"), None)
    compliance, annotation = verdicts(answer)["dev-app-old"]
    assert compliance == "NON_COMPLIANT" and "BYOK-D002" in annotation and "generation 2" in annotation
    assert answer["failed"] == 0
    [request] = wire
    assert request["TestMode"] is True and request["ResultToken"] == "TESTMODE"
    [evaluation] = request["Evaluations"]
    assert evaluation["ComplianceResourceType"] == "AWS::S3::Bucket"
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert datetime.fromtimestamp(evaluation["OrderingTimestamp"], UTC) == datetime(2026, 11, 28, 3, tzinfo=UTC)


def test_active_generation_is_compliant_and_a_bucket_without_byok_key_not_applicable(lambda_env):
    assert verdicts(handler.config_rule(bucket_event("dev-app-new"), None))["dev-app-new"][0] == "COMPLIANT"
    assert verdicts(handler.config_rule(bucket_event("dev-plain"), None))["dev-plain"][0] == "NOT_APPLICABLE"


def test_deleted_resource_is_not_applicable_without_a_scan(lambda_env, wire):
    answer = handler.config_rule(bucket_event("dev-gone", status="ResourceDeleted"), None)
    assert verdicts(answer)["dev-gone"][0] == "NOT_APPLICABLE"
    assert wire[0]["Evaluations"][0]["ComplianceResourceId"] == "dev-gone"


def test_periodic_run_evaluates_what_config_recorded(lambda_env, estate, wire):
    invoking = {"messageType": "ScheduledNotification", "notificationCreationTime": "2026-11-28T04:00:00.000Z"}
    event = {"invokingEvent": json.dumps(invoking), "configRuleArn": RULE_ARN, "resultToken": "TESTMODE"}
    found = verdicts(handler.config_rule(event, None))
    assert found["dev-app-old"][0] == "NON_COMPLIANT"
    assert found["dev-app-new"][0] == "COMPLIANT"
    assert found["dev-plain"][0] == "NOT_APPLICABLE"
    alerts = found[estate["alerts"]]  # AWS Config names a topic by its ARN
    assert alerts[0] == "NON_COMPLIANT" and "BYOK-D001" in alerts[1] and "generation 1" in alerts[1]
    assert {e["ComplianceResourceId"] for e in wire[0]["Evaluations"]} == set(found)


def test_nightly_imports_to_security_hub_and_notifies(lambda_env, estate, sandbox):
    summary = handler.nightly({}, None)
    assert summary["account"] == ACCOUNT_ID and summary["regions"] == [REGION]
    assert summary["reported"] < summary["findings"]  # the info false-alarm notes stay below the threshold
    assert summary["security_hub"] == {"imported": summary["reported"], "failed": 0}

    imported = client(sandbox, "securityhub").get_findings()["Findings"]
    rules = {(f["GeneratorId"], f["Resources"][0]["Id"]) for f in imported}
    assert ("BYOK-D002", "arn:aws:s3:::dev-app-old") in rules
    assert ("BYOK-D001", estate["alerts"]) in rules
    assert not any(f["Severity"]["Label"] == "INFORMATIONAL" for f in imported)

    sqs = client(sandbox, "sqs")
    [message] = sqs.receive_message(QueueUrl=estate["queue"], WaitTimeSeconds=1)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["MessageId"] == summary["notification"]
    assert envelope["Subject"].startswith(f"byok drift {ACCOUNT_ID}: {summary['reported']} finding(s)")
    assert "arn:aws:s3:::dev-app-old" in envelope["Message"] and "BYOK-D002" in envelope["Message"]
    json.dumps(summary)  # Lambda returns it as JSON


def test_nightly_through_an_organisation_aggregator(lambda_env, estate, sandbox, monkeypatch):
    """The organisation-wide monitor: the same findings, from Config's aggregator, into Security Hub."""
    config = client(sandbox, "config")
    start_recorder(config, ACCOUNT_ID)
    sources = [{"AccountIds": [ACCOUNT_ID], "AwsRegions": [REGION]}]
    name = "byok-drift-organisation"
    config.put_configuration_aggregator(ConfigurationAggregatorName=name, AccountAggregationSources=sources)
    monkeypatch.setenv("BYOK_AGGREGATOR", "byok-drift-organisation")
    monkeypatch.setenv("BYOK_ACCOUNTS", ACCOUNT_ID)
    settings = Settings.from_env()
    source = nightly.source_of(settings, handler.SESSION)
    assert isinstance(source, ConfigSource) and source.aggregator == "byok-drift-organisation"

    summary = handler.nightly({}, None)
    assert summary["security_hub"] == {"imported": summary["reported"], "failed": 0}
    imported = client(sandbox, "securityhub").get_findings()["Findings"]
    ours = f"arn:aws:securityhub:{REGION}:{ACCOUNT_ID}:product/{ACCOUNT_ID}/default"
    from_config = {
        (f["GeneratorId"], f["Resources"][0]["Id"])
        for f in imported
        if f["ProductArn"] == ours and f["ProductFields"]["byok/source"] == "config"
    }
    assert {("BYOK-D002", "arn:aws:s3:::dev-app-old"), ("BYOK-D001", estate["alerts"])} <= from_config
