"""The AWS Config custom rule: a resource on a non-active key generation is NON_COMPLIANT.

The verdict is the drift checker's own (BYOK-D001 retired, BYOK-D002 retiring or pending), read live for
the resource types in question only, so a change notification for one bucket does not scan the account.
Change notifications catch a resource moved to an old key; the periodic run catches the other half: a
generation retired while the resources still on it did not change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from byok.drift.collectors import load
from byok.drift.evidence import Evidence
from byok.drift.rules import evaluate
from byok.drift.sources.live import LiveSource
from byok.monitor.settings import Settings

NON_ACTIVE = ("BYOK-D001", "BYOK-D002")
GONE = ("ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded")
# AWS Config's result token for a test invocation: PutEvaluations must then record nothing.
TEST_TOKEN = "TESTMODE"  # noqa: S105 - a protocol constant, not a secret
BATCH = 100  # PutEvaluations and BatchGetResourceConfig take at most 100 items per call


@dataclass(frozen=True)
class Target:
    """A resource as AWS Config names it: its own resource ID (not always the ARN) and the ARN."""

    resource_type: str
    resource_id: str
    arn: str


@dataclass(frozen=True)
class Verdict:
    target: Target
    compliance: str  # COMPLIANT | NON_COMPLIANT | NOT_APPLICABLE
    annotation: str

    def evaluation(self, ordering: datetime) -> dict[str, Any]:
        return {
            "ComplianceResourceType": self.target.resource_type,
            "ComplianceResourceId": self.target.resource_id,
            "ComplianceType": self.compliance,
            "Annotation": self.annotation[:256],
            "OrderingTimestamp": ordering,
        }


def run(event: dict[str, Any], settings: Settings, session: boto3.session.Session) -> dict[str, Any]:
    invoking = json.loads(event["invokingEvent"])
    region = event["configRuleArn"].split(":")[3]
    if invoking["messageType"] == "ScheduledNotification":
        ordering = _timestamp(invoking["notificationCreationTime"])
        config = settings.client(session, "config", region)
        verdicts = judge(list(discovered(config, settings.resource_types)), settings, session, region)
    else:
        item = invoking.get("configurationItem") or invoking["configurationItemSummary"]
        ordering = _timestamp(item["configurationItemCaptureTime"])
        target = Target(item["resourceType"], item["resourceId"], item.get("ARN") or item["resourceId"])
        if event.get("eventLeftScope") or item["configurationItemStatus"] in GONE:
            verdicts = [Verdict(target, "NOT_APPLICABLE", "deleted or out of the rule's scope")]
        else:
            verdicts = judge([target], settings, session, region)
    evaluations = [verdict.evaluation(ordering) for verdict in verdicts]
    failed = put_evaluations(settings.client(session, "config", region), evaluations, event["resultToken"])
    return {
        "evaluations": [{k: v for k, v in e.items() if k != "OrderingTimestamp"} for e in evaluations],
        "failed": failed,
    }


def judge(targets: list[Target], settings: Settings, session: boto3.session.Session, region: str) -> list[Verdict]:
    types = {target.resource_type for target in targets}
    collectors = [c.name for c in load().values() if c.resource_type in types]
    if not collectors:
        return [Verdict(t, "NOT_APPLICABLE", "no drift collector reads this resource type") for t in targets]
    source = LiveSource([region], endpoint_url=settings.endpoint_url, session=session, collectors=["kms", *collectors])
    evidence = Evidence(intent=settings.intent, horizon=timedelta(days=settings.horizon_days))
    evidence.add(source.facts())
    findings = evaluate(evidence)
    return [verdict(target, evidence, findings) for target in targets]


def verdict(target: Target, evidence: Evidence, findings: Iterable[Any]) -> Verdict:
    for finding in findings:
        if finding.rule_id in NON_ACTIVE and finding.resource.id == target.arn:
            return Verdict(
                target,
                "NON_COMPLIANT",
                f"{finding.rule_id} {finding.title}: {finding.key} "
                f"generation {finding.generation}; move it to alias/{finding.key}",
            )
    for usage in evidence.usages:
        if usage.resource.id != target.arn:
            continue
        key = evidence.key(usage.reference)
        generation = evidence.generation_of(usage.reference)
        name = generation.name if generation else key.byok_name if key else None
        if name is not None:
            return Verdict(target, "COMPLIANT", f"encrypted under the active generation of {name}")
    return Verdict(target, "NOT_APPLICABLE", "not encrypted under a byok key")


def discovered(config: Any, resource_types: Iterable[str]) -> Iterator[Target]:
    """What AWS Config records, with the ARNs the drift collectors name resources by."""
    for resource_type in resource_types:
        keys = [
            {"resourceType": resource_type, "resourceId": item["resourceId"]}
            for page in config.get_paginator("list_discovered_resources").paginate(resourceType=resource_type)
            for item in page["resourceIdentifiers"]
        ]
        for start in range(0, len(keys), BATCH):
            answer = config.batch_get_resource_config(resourceKeys=keys[start : start + BATCH])
            for item in answer["baseConfigurationItems"]:
                yield Target(item["resourceType"], item["resourceId"], item.get("arn") or item["resourceId"])


def put_evaluations(config: Any, evaluations: list[dict[str, Any]], token: str) -> int:
    failed = 0
    for start in range(0, len(evaluations), BATCH):
        answer = config.put_evaluations(
            Evaluations=evaluations[start : start + BATCH], ResultToken=token, TestMode=token == TEST_TOKEN
        )
        failed += len(answer.get("FailedEvaluations", []))
    return failed


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
