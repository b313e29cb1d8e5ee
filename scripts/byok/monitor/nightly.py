"""The nightly run: the live drift check of the account, findings to Security Hub, a summary to SNS.

The summary goes out every night, also when nothing is found, so that a monitor that stopped running is
noticed by its silence instead of being mistaken for a clean estate.

Organisation-wide (``BYOK_AGGREGATOR``), the check queries the Config aggregator instead of every account's
APIs, and runs in the Security Hub delegated administrator account: every finding keeps its resource's account
(``AwsAccountId``) but is imported through the administrator's own default product, the one product the
monitor's account may import into.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import boto3

from byok.drift.engine import DriftResult, scan
from byok.drift.sources.config import ConfigSource
from byok.drift.sources.live import LiveSource
from byok.monitor.settings import Settings
from byok.report import asff
from byok.report.options import ReportOptions
from byok.report.summary import counts, counts_line

IMPORT_BATCH = 100  # BatchImportFindings takes at most 100 findings per call
LISTED = 40  # findings named in the notification; SNS messages must stay short enough to read on a phone


def run(settings: Settings, session: boto3.session.Session, now: datetime | None = None) -> dict[str, Any]:
    account = settings.client(session, "sts", settings.regions[0]).get_caller_identity()["Account"]
    result = scan([source_of(settings, session)], settings.intent, now=now, horizon_days=settings.horizon_days)
    reported = replace(result, findings=tuple(result.at_least(settings.threshold)))
    options = ReportOptions(fail_on=settings.threshold, account=account, region=settings.regions[0])
    imported = import_findings(session, settings, reported, options) if settings.security_hub else None
    message_id = notify(session, settings, result, options) if settings.topic_arn else None
    return {
        "account": account,
        "regions": list(settings.regions),
        "findings": len(result.findings),
        "reported": len(reported.findings),
        "counts": {severity.value: n for severity, n in counts(result).items()},
        "security_hub": imported,
        "notification": message_id,
    }


def source_of(settings: Settings, session: boto3.session.Session) -> LiveSource | ConfigSource:
    if settings.aggregator:
        return ConfigSource(
            settings.regions,
            settings.accounts,
            settings.aggregator,
            settings.role_name,
            settings.endpoint_url,
            session=session,
            max_age=timedelta(hours=settings.config_max_age_hours),
        )
    return LiveSource(settings.regions, endpoint_url=settings.endpoint_url, session=session)


def import_findings(
    session: boto3.session.Session, settings: Settings, result: DriftResult, options: ReportOptions
) -> dict[str, int]:
    """Each finding goes to the Security Hub of its own region: its ProductArn names that region."""
    by_region: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in json.loads(asff.render(result, options))["Findings"]:
        region = finding["ProductArn"].split(":")[3]
        if settings.aggregator:  # the administrator imports members' findings through its own product
            own = options.account
            finding["ProductArn"] = f"arn:{options.partition}:securityhub:{region}:{own}:product/{own}/default"
        by_region[region].append(finding)
    totals = {"imported": 0, "failed": 0}
    for region, findings in sorted(by_region.items()):
        client = settings.client(session, "securityhub", region)
        for start in range(0, len(findings), IMPORT_BATCH):
            answer = client.batch_import_findings(Findings=findings[start : start + IMPORT_BATCH])
            totals["imported"] += answer["SuccessCount"]
            totals["failed"] += answer["FailedCount"]
    return totals


def notify(session: boto3.session.Session, settings: Settings, result: DriftResult, options: ReportOptions) -> str:
    assert settings.topic_arn is not None
    reported = result.at_least(settings.threshold)
    lines = [
        f"byok drift check of account {options.account} in {', '.join(settings.regions)} at "
        f"{result.generated_at.isoformat(timespec='seconds')}",
        counts_line(result, options),
        "",
        *(f"[{f.severity.value}] {f.rule_id} {f.resource.id}: {f.detail}" for f in reported[:LISTED]),
    ]
    if len(reported) > LISTED:
        lines.append(f"... and {len(reported) - LISTED} more (see Security Hub or `byok drift live`)")
    subject = f"byok drift {options.account}: {len(reported)} finding(s) at or above {settings.threshold.value}"
    region = settings.topic_arn.split(":")[3]
    answer = settings.client(session, "sns", region).publish(
        TopicArn=settings.topic_arn, Subject=subject[:100], Message="\n".join(lines)
    )
    return str(answer["MessageId"])
