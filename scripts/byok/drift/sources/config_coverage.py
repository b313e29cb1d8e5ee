"""Which resource types AWS Config records in each account and region, and whether its data there is usable.

Config knows only what a recorder records: no recorder, a stopped recorder, a recording group that leaves a
type out, or an aggregator whose copy of an account is old all mean Config's answer is missing or stale there.
The Config source asks first and scans through the service APIs whatever Config cannot vouch for.

One account: DescribeConfigurationRecorders and DescribeConfigurationRecorderStatus per region. Through an
aggregator: one query for every account's ``AWS::Config::ConfigurationRecorder`` item, and
DescribeConfigurationAggregatorSourcesStatus for when each account and region was last aggregated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from byok.drift.sources.config_catalogue import RECORDED_BY_CONFIG, RECORDER_TYPE, read_path
from byok.drift.sources.config_select import ConfigSelect, config_call, expression

RECORDING_FIELDS = (
    "configuration.Recording",
    "configuration.RecordingGroup.AllSupported",
    "configuration.RecordingGroup.ResourceTypes",
    "configuration.RecordingGroup.ExclusionByResourceTypes.ResourceTypes",
)


@dataclass(frozen=True)
class Coverage:
    """What Config vouches for in one account and region; ``problem`` says why nothing, when nothing."""

    account: str
    region: str
    recorded: frozenset[str] = frozenset()
    updated: datetime | None = None  # when Config's copy was last refreshed, when Config says
    problem: str | None = None


def recorded_types(all_supported: bool, included: Iterable[str], excluded: Iterable[str]) -> frozenset[str]:
    if all_supported:
        return RECORDED_BY_CONFIG
    included = set(included)
    if included:
        return RECORDED_BY_CONFIG & included
    return RECORDED_BY_CONFIG - set(excluded)


def single_account(client: Any, account: str, region: str) -> Coverage:
    recorders = config_call(client.describe_configuration_recorders).get("ConfigurationRecorders", [])
    if not recorders:
        return Coverage(account, region, problem="no configuration recorder")
    recorder = recorders[0]
    statuses = config_call(client.describe_configuration_recorder_status).get("ConfigurationRecordersStatus", [])
    status = next((s for s in statuses if s.get("name") == recorder.get("name")), {})
    if not status.get("recording"):
        stopped = status.get("lastStopTime")
        since = f" since {stopped.isoformat()}" if isinstance(stopped, datetime) else ""
        return Coverage(account, region, updated=stopped, problem=f"configuration recorder stopped{since}")
    group = recorder.get("recordingGroup", {})
    types = recorded_types(
        bool(group.get("allSupported", True)),
        group.get("resourceTypes", []),
        group.get("exclusionByResourceTypes", {}).get("resourceTypes", []),
    )
    return Coverage(account, region, recorded=types)


def through_aggregator(
    select: ConfigSelect,
    client: Any,
    scopes: Iterable[tuple[str, str]],
    now: datetime,
    max_age: timedelta,
) -> Iterator[Coverage]:
    assert select.aggregator, "coverage through an aggregator needs its name"
    recorders = {(row["accountId"], row["awsRegion"]): row for row in select.rows(_recorder_query())}
    statuses = {(s["SourceId"], s["AwsRegion"]): s for s in source_statuses(client, select.aggregator)}
    for account, region in scopes:
        status = statuses.get((account, region))
        row = recorders.get((account, region))
        yield _judge(account, region, status, row, select.aggregator, now, max_age)


def _judge(
    account: str,
    region: str,
    status: dict[str, Any] | None,
    row: dict[str, Any] | None,
    aggregator: str,
    now: datetime,
    max_age: timedelta,
) -> Coverage:
    if status is None:
        return Coverage(account, region, problem=f"not a source of aggregator {aggregator}")
    if status.get("LastUpdateStatus") == "FAILED":
        code = status.get("LastErrorCode") or "unknown error"
        return Coverage(account, region, problem=f"aggregation failed ({code})")
    updated = status.get("LastUpdateTime")
    if isinstance(updated, datetime) and updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    if row is None:
        return Coverage(account, region, updated=updated, problem="no configuration recorder")
    if not _flag(row, "configuration.Recording"):
        return Coverage(account, region, updated=updated, problem="configuration recorder stopped")
    if not isinstance(updated, datetime):
        return Coverage(account, region, problem="never aggregated")
    if now - updated > max_age:
        problem = f"Config data is {duration(now - updated)} old (limit {duration(max_age)})"
        return Coverage(account, region, updated=updated, problem=problem)
    types = recorded_types(
        _flag(row, "configuration.RecordingGroup.AllSupported"),
        read_path(row, "configuration.RecordingGroup.ResourceTypes"),
        read_path(row, "configuration.RecordingGroup.ExclusionByResourceTypes.ResourceTypes"),
    )
    return Coverage(account, region, recorded=types, updated=updated)


def _flag(row: dict[str, Any], path: str) -> bool:
    value: Any = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value is True


def _recorder_query() -> str:
    return expression(RECORDING_FIELDS, [RECORDER_TYPE])


def source_statuses(client: Any, aggregator: str) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        arguments: dict[str, Any] = {"ConfigurationAggregatorName": aggregator}
        if token:
            arguments["NextToken"] = token
        page = config_call(client.describe_configuration_aggregator_sources_status, **arguments)
        yield from page.get("AggregatedSourceStatusList", [])
        token = page.get("NextToken")
        if not token:
            return


def duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
