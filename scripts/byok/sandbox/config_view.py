"""What AWS Config knows in the sandbox: recorded types per account and region, captured with a delay.

Config records only where a configuration recorder exists and is recording, and only the types its recording
group includes (``allSupported``, ``resourceTypes`` or ``exclusionByResourceTypes``). Its view also lags the
services: a change shows up in advanced queries minutes later. The sandbox models that lag with one setting,
``delay``: a recorded type of an account and region is captured from moto when it is first queried and again
only once the capture is ``delay`` old (sandbox clock), so a query sees the estate as it was up to ``delay``
ago, and a stopped recorder freezes what Config knows. An item unchanged since the previous capture keeps its
``configurationItemCaptureTime``, as Config keeps an unchanged configuration item. The recorder itself is
answered as an ``AWS::Config::ConfigurationRecorder`` item (a type of the Config schema) so that one aggregate
query tells which types every account records.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.config.models import config_backends
from moto.organizations.models import organizations_backends

from byok.sandbox import clock
from byok.sandbox.config_items import BUILDERS, Item, item
from byok.sandbox.faults import fault

RECORDER_TYPE = "AWS::Config::ConfigurationRecorder"
DELAY_VARIABLE = "BYOK_SANDBOX_CONFIG_DELAY_SECONDS"


@dataclass
class Capture:
    at: datetime
    items: list[Item]


class ConfigView:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._captures: dict[tuple[str, str, str], Capture] = {}
        self.delay = _default_delay()

    def reset(self) -> None:
        """Forget every capture and go back to the default delay (``BYOK_SANDBOX_CONFIG_DELAY_SECONDS``, else 0)."""
        with self._lock:
            self._captures.clear()
        self.delay = _default_delay()

    def set_delay(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the Config delay cannot be negative")
        self.delay = timedelta(seconds=seconds)

    def items(self, account: str, region: str, types: Iterable[str] | None) -> Iterator[Item]:
        """Recorded items of the wanted types (None: every type) in one account and region, recorder first."""
        recorder = recorder_of(account, region)
        if recorder is None:
            return
        wanted = set(types) if types is not None else None
        if wanted is None or RECORDER_TYPE in wanted:
            yield recorder_item(account, region, recorder)
        for resource_type in sorted(recorded_types(recorder)):
            if wanted is None or resource_type in wanted:
                yield from self._capture(account, region, resource_type, recorder.status.recording).items

    def refresh(self, account: str, region: str) -> datetime | None:
        """Capture what is due in this account and region; when its oldest capture was taken, None if never."""
        for _ in self.items(account, region, None):
            pass
        return self.last_update(account, region)

    def last_update(self, account: str, region: str) -> datetime | None:
        """When Config last captured this account and region (its oldest captured type), None if never."""
        times = [c.at for (a, r, _), c in self._captures.items() if (a, r) == (account, region)]
        return min(times) if times else None

    def _capture(self, account: str, region: str, resource_type: str, recording: bool) -> Capture:
        slot = (account, region, resource_type)
        now = clock.now()
        with self._lock:
            previous = self._captures.get(slot)
            if previous is not None and (not recording or now - previous.at < self.delay):
                return previous
            if previous is None and not recording:
                return Capture(now, [])
            captured = Capture(now, list(_stamped(BUILDERS[resource_type](account, region), previous, now)))
            self._captures[slot] = captured
            return captured


def _default_delay() -> timedelta:
    return timedelta(seconds=float(os.environ.get(DELAY_VARIABLE, "0") or 0))


_STAMPS = ("configurationItemCaptureTime", "configurationItemStatus")


def _stamped(items: Iterable[Item], previous: Capture | None, now: datetime) -> Iterator[Item]:
    before = {i["resourceId"]: i for i in previous.items} if previous else {}
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for current in items:
        old = before.get(current["resourceId"])
        unchanged = old is not None and {k: v for k, v in old.items() if k not in _STAMPS} == current
        current["configurationItemCaptureTime"] = old["configurationItemCaptureTime"] if unchanged else stamp
        current["configurationItemStatus"] = "OK" if old is not None else "ResourceDiscovered"
        yield current


def recorder_of(account: str, region: str) -> Any | None:
    recorders = config_backends[account][region].recorders
    return next(iter(recorders.values()), None)


def recorded_types(recorder: Any) -> set[str]:
    group = recorder.recording_group
    if group.all_supported:
        return set(BUILDERS)
    if group.resource_types:
        return set(group.resource_types) & set(BUILDERS)
    excluded = (group.exclusion_by_resource_types or {}).get("resourceTypes", [])
    return set(BUILDERS) - set(excluded)


def recorder_item(account: str, region: str, recorder: Any) -> Item:
    group = recorder.recording_group
    configuration = {
        "Name": recorder.name,
        "Recording": bool(recorder.status.recording),
        "RoleARN": recorder.role_arn,
        "RecordingGroup": {
            "AllSupported": bool(group.all_supported),
            "ResourceTypes": list(group.resource_types or []),
            "ExclusionByResourceTypes": {
                "ResourceTypes": list((group.exclusion_by_resource_types or {}).get("resourceTypes", []))
            },
        },
    }
    arn = f"arn:aws:config:{region}:{account}:config-recorder/{recorder.name}"
    built = item(account, region, RECORDER_TYPE, recorder.name, arn, configuration)
    built["configurationItemCaptureTime"] = clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    built["configurationItemStatus"] = "OK"
    return built


def aggregator_sources(account: str, region: str, name: str) -> list[tuple[str, str]]:
    """The (account, region) pairs a configuration aggregator of the caller collects from."""
    aggregator = config_backends[account][region].config_aggregators.get(name)
    if aggregator is None:
        raise fault("NoSuchConfigurationAggregatorException", f"The configuration aggregator {name} does not exist.")
    pairs: list[tuple[str, str]] = []
    for source in aggregator.account_aggregation_sources or []:
        for member in source.account_ids:
            pairs.extend((member, r) for r in _regions(member, source.aws_regions, source.all_aws_regions))
    organization = aggregator.organization_aggregation_source
    if organization is not None:
        for member in organization_accounts(account):
            pairs.extend((member, r) for r in _regions(member, organization.aws_regions, organization.all_aws_regions))
    return sorted(set(pairs))


def _regions(account: str, listed: list[str] | None, every: bool | None) -> list[str]:
    """All regions means every region where the account has a recorder: nowhere else has Config data."""
    if not every:
        return list(listed or [])
    return [r for r, backend in config_backends[account].items() if backend.recorders]


def organization_accounts(account: str) -> list[str]:
    owner = account if organizations_backends[account]["aws"].org else None
    if owner is None and account in organizations_backends.master_accounts:
        owner = organizations_backends.master_accounts[account][0]
    if owner is None:
        raise fault(
            "OrganizationAccessDeniedException",
            "This action can be only made by AWS Organization's management account or delegated administrator.",
        )
    return [member.id for member in organizations_backends[owner]["aws"].accounts]


VIEW = ConfigView()
