"""Facts from AWS Config advanced queries: one account (SelectResourceConfig) or an organisation's aggregator.

The live source calls every service's APIs in every account and region; for hundreds of accounts that is
hundreds of thousands of calls a night against production's own quotas. Config already indexes every recorded
resource's configuration, organisation-wide through an aggregator, so this source asks it instead:

- one query per spelling of the key property (``config_catalogue``), paged 100 rows at a time, rows normalised
  by :class:`~byok.drift.reference.KeyReference` with the row's own account and region;
- one query for ``AWS::KMS::Key`` (state, origin, multi-Region, tags) and one for ``AWS::KMS::Alias``; Config has no key
  materials, so every material's expiry is still read from KMS (ListKeyRotations), but only for the imported
  keys the query found;
- whatever Config cannot vouch for (types it does not record, types the recorder excludes, accounts or regions
  without a recorder, with a stopped recorder, or with data older than ``max_age``) is scanned through the
  service APIs by the live collectors, in those accounts and regions only (``config_coverage``).

Facts keep their origin (``source`` is ``config`` or ``live``), and after a run :attr:`ConfigSource.name` says
what came from where and how old Config's data was, which every report format prints in its sources line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from byok.drift.collectors import Collector, Scope, paginate
from byok.drift.collectors.kms import multi_region_role
from byok.drift.facts import AliasFact, Fact, GapFact, KeyFact, UsageFact
from byok.drift.findings import Resource
from byok.drift.reference import KeyReference
from byok.drift.sources.config_catalogue import (
    ALIAS_TYPE,
    KEY_TYPE,
    PROPERTIES,
    by_spelling,
    collector_types,
    read_path,
)
from byok.drift.sources.config_coverage import (
    Coverage,
    duration,
    single_account,
    source_statuses,
    through_aggregator,
)
from byok.drift.sources.config_select import ConfigSelect, expression
from byok.drift.sources.live import DEFAULT_WORKERS, IN_FLIGHT_PER_WORKER, LiveSource
from byok.drift.sources.streams import bounded, merged
from byok.errors import ConfigError
from byok.kms.client import material_from_entry

DEFAULT_MAX_AGE = timedelta(hours=24)
ACCOUNT_TYPE = "AWS::::Account"
KEY_FIELDS = (
    "configuration.keyState",
    "configuration.origin",
    "configuration.keyManager",
    "configuration.keySpec",
    "configuration.creationDate",
    "configuration.deletionDate",
    "configuration.multiRegion",
    "tags",
)
ALIAS_FIELDS = ("configuration.AliasName", "configuration.TargetKeyId")


@dataclass
class Provenance:
    """What the run took from where, for the report's sources line."""

    mode: str = ""
    coverage: dict[tuple[str, str], Coverage] = field(default_factory=dict)
    config_calls: int = 0
    material_keys: int = 0
    api_scans: list[str] = field(default_factory=list)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def summary(self) -> str:
        usable = [c for c in self.coverage.values() if c.problem is None]
        ages = [self.now - c.updated for c in usable if c.updated is not None]
        age = f"data up to {duration(max(ages))} old" if ages else "recorders recording"
        parts = [
            f"{self.mode}: {len(usable)} of {len(self.coverage)} account-region(s) from Config, {age}",
            f"{self.config_calls} Config call(s)",
            f"KMS materials of {self.material_keys} imported key(s) from KMS",
        ]
        parts.extend(self.api_scans)
        return "; ".join(parts)


class ConfigSource:
    def __init__(
        self,
        regions: Sequence[str],
        accounts: Sequence[str] = (),
        aggregator: str | None = None,
        role_name: str | None = None,
        endpoint_url: str | None = None,
        workers: int = DEFAULT_WORKERS,
        session: boto3.session.Session | None = None,
        max_age: timedelta = DEFAULT_MAX_AGE,
        now: datetime | None = None,
    ) -> None:
        self.api = LiveSource(regions, accounts, role_name, endpoint_url, workers, session=session)
        self.regions = self.api.regions
        self.accounts = tuple(accounts)
        self.aggregator = aggregator
        self.role_name = role_name
        self.endpoint_url = endpoint_url
        self.session = session
        self.workers = workers
        self.max_age = max_age
        mode = f"aggregator {aggregator}" if aggregator else "one account"
        self.provenance = Provenance(mode=mode, now=now or datetime.now(UTC))
        self._credentials: dict[str, dict[str, str] | None] = {}
        self._kms: dict[tuple[str, str], Any] = {}
        self._unread: dict[str, list[str]] = {}  # account -> what no role let byok read there

    @property
    def name(self) -> str:
        return f"config ({self.provenance.summary()})" if self.provenance.coverage else "config"

    def facts(self) -> Iterator[Fact]:
        """Coverage first; then, side by side, the API scan of what Config cannot vouch for and each Config query.

        Config pages a query 100 rows at a time, each page waiting for the previous page's token: an
        organisation's queries one after another would be one long chain of round trips. Each query therefore
        pages in a thread of its own, beside the API fallback, and their facts meet in one bounded queue.
        """
        selects, coverage = self._coverage()
        self.provenance.coverage = coverage
        covered = _Covered(coverage, self.regions)
        fallback = self._fallback(covered)
        producers: list[Callable[[], Iterable[Fact]]] = [fallback.facts] if fallback else []
        producers += [partial(self._usages, selects, covered, path, types) for path, types in by_spelling().items()]
        producers += [partial(self._aliases, selects, covered), partial(self._keys, selects, covered)]
        try:
            yield from merged(producers, self.workers * IN_FLIGHT_PER_WORKER)
        finally:
            self.provenance.config_calls = sum(select.calls for select in selects)
        for account, unread in sorted(self._unread.items()):
            where = Resource(ACCOUNT_TYPE, account, account, None)
            reason = f"{account}: no role reaches its APIs, so byok did not read {'; '.join(unread)}"
            yield GapFact(where, reason, "config")

    def _coverage(self) -> tuple[list[ConfigSelect], dict[tuple[str, str], Coverage]]:
        own = self.api.own_account()
        if self.aggregator:
            client = self.api.client("config", self.regions[0], {})
            select = ConfigSelect(client, self.aggregator)
            scopes = self._aggregated_scopes(client)
            found = through_aggregator(select, client, scopes, self.provenance.now, self.max_age)
            return [select], {(c.account, c.region): c for c in found}
        strangers = sorted(set(self.accounts) - {own})
        if strangers:
            raise ConfigError(
                f"--source config without --aggregator reads the caller's account only, not {', '.join(strangers)}",
                "pass --aggregator NAME for an organisation, or drop --accounts",
            )
        selects, coverage = [], {}
        for region in self.regions:
            client = self.api.client("config", region, {})
            selects.append(ConfigSelect(client))
            coverage[(own, region)] = single_account(client, own, region)
        return selects, coverage

    def _aggregated_scopes(self, client: Any) -> list[tuple[str, str]]:
        accounts = list(self.accounts)
        if not accounts:
            statuses = source_statuses(client, self.aggregator or "")
            accounts = sorted({status["SourceId"] for status in statuses})
        return [(account, region) for account in accounts for region in self.regions]

    def _usages(self, selects: list[ConfigSelect], covered: _Covered, path: str, types: list[str]) -> Iterator[Fact]:
        """The query of one spelling of the key property (names differing only by case cannot share a query)."""
        wanted = [t for t in types if covered.anywhere(t)]
        if not wanted:
            return
        for select in selects:
            for row in select.rows(expression([path], wanted)):
                account, region, kind = row.get("accountId"), row.get("awsRegion"), row.get("resourceType")
                if not covered.row(kind, account, region):
                    continue
                resource = Resource(kind, row.get("arn") or row.get("resourceId"), account, region)
                for value in read_path(row, path):
                    reference = KeyReference.parse(value, account, region)
                    if reference is not None:
                        yield UsageFact(resource, reference, path, "config")

    def _aliases(self, selects: list[ConfigSelect], covered: _Covered) -> Iterator[Fact]:
        if not covered.anywhere(ALIAS_TYPE):
            return
        for select in selects:
            for row in select.rows(expression(ALIAS_FIELDS, [ALIAS_TYPE])):
                account, region = row.get("accountId"), row.get("awsRegion")
                target = (read_path(row, "configuration.TargetKeyId") or [None])[0]
                name = (read_path(row, "configuration.AliasName") or [None])[0]
                if covered.row(ALIAS_TYPE, account, region) and target and name:
                    yield AliasFact(account, region, name, target, source="config")

    def _keys(self, selects: list[ConfigSelect], covered: _Covered) -> Iterator[Fact]:
        """Key facts as Config has them; imported symmetric keys get their materials from KMS, a window at a time."""
        if not covered.anywhere(KEY_TYPE):
            return
        unread: Counter[str] = Counter()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="byok-config") as pool:
            for select in selects:
                rows = select.rows(expression(KEY_FIELDS, [KEY_TYPE]))
                rows = (r for r in rows if covered.row(KEY_TYPE, r.get("accountId"), r.get("awsRegion")))
                jobs = self._jobs(rows, unread)
                for fact in bounded(pool, _key_facts, jobs, self.workers * IN_FLIGHT_PER_WORKER):
                    if isinstance(fact, KeyFact) and fact.materials:
                        self.provenance.material_keys += 1
                    yield fact
        for account, count in unread.items():
            self._unread.setdefault(account, []).append(f"the materials of {count} imported key(s)")

    def _jobs(self, rows: Iterable[dict[str, Any]], unread: Counter[str]) -> Iterator[tuple[dict[str, Any], Any]]:
        """Each key row with the KMS client that reads its materials (None: none needed, or none possible).

        Clients come from the shared session, built under its lock (a boto3 session is not thread-safe).
        """
        for row in rows:
            if not _imported(row.get("configuration", {})):
                yield row, None
                continue
            account = row.get("accountId", "")
            kms = self._kms_client(account, row.get("awsRegion", ""))
            if kms is None:
                unread[account] += 1
            yield row, kms

    def _kms_client(self, account: str, region: str) -> Any | None:
        if (account, region) not in self._kms:
            credentials = self._credentials_for(account)
            self._kms[(account, region)] = None if credentials is None else self.api.client("kms", region, credentials)
        return self._kms[(account, region)]

    def _credentials_for(self, account: str) -> dict[str, str] | None:
        if account not in self._credentials:
            try:
                self._credentials[account] = self.api.credentials_for(account)
            except ConfigError:
                self._credentials[account] = None
        return self._credentials[account]

    def _fallback(self, covered: _Covered) -> LiveSource | None:
        """The live collectors, in the accounts and regions (and for the types) Config cannot vouch for; set up."""
        registry = collector_types()
        needs: dict[str, set[str]] = {}
        for collector in self.api.collectors:
            for account, region in covered.scopes():
                if collector.global_service and region != self.regions[0]:
                    continue
                if not covered.collector(collector, registry.get(collector.name), Scope(account, region)):
                    needs.setdefault(account, set()).add(collector.name)
        accounts = sorted(needs)
        found = self.api.concurrently(self._credentials_for, accounts)
        reachable = [account for account, credentials in zip(accounts, found, strict=True) if credentials is not None]
        for account in set(needs) - set(reachable):
            self._unread.setdefault(account, []).append(f"{', '.join(sorted(needs[account]))} (not covered by Config)")
        if not reachable:
            return None
        names = sorted(set().union(*(needs[a] for a in reachable)))
        self.provenance.api_scans.append(f"API scan of {', '.join(names)} in {len(reachable)} account(s)")
        live = self.api.narrowed(
            reachable,
            names,
            lambda collector, scope: not covered.collector(collector, registry.get(collector.name), scope),
        )
        return live.prepared()


def _imported(configuration: dict[str, Any]) -> bool:
    return (
        configuration.get("origin") == "EXTERNAL"
        and configuration.get("keyManager", "CUSTOMER") == "CUSTOMER"
        and configuration.get("keySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    )


def _key_facts(job: tuple[dict[str, Any], Any]) -> list[Fact]:
    """One key row as a key fact; with a KMS client, every material of the key read from ListKeyRotations."""
    row, kms = job
    reference = KeyReference.parse(row.get("arn", ""))
    if reference is None:
        return []
    configuration = row.get("configuration", {})
    tags = {t["key"]: t.get("value", "") for t in row.get("tags", []) if isinstance(t, dict) and "key" in t}
    fact = KeyFact(
        reference,
        state=configuration.get("keyState"),
        origin=configuration.get("origin"),
        creation_date=_date(configuration.get("creationDate")),
        deletion_date=_date(configuration.get("deletionDate")),
        tags=tags,
        source="config",
        multi_region=configuration["multiRegion"] if "multiRegion" in configuration else None,
    )
    if kms is None:
        return [fact]
    try:
        entries = paginate(
            kms, "list_key_rotations", "Rotations", KeyId=reference.name, IncludeKeyMaterial="ALL_KEY_MATERIAL"
        )
        materials = tuple(material_from_entry(entry) for entry in entries)
        if configuration.get("multiRegion"):
            # Config records that a key is multi-Region, not its role or its replicas: DescribeKey says (one call
            # per imported multi-Region key), so the replica rules compare it as they do on an API scan.
            fact = replace(fact, **multi_region_role(kms.describe_key(KeyId=reference.name)["KeyMetadata"]))
    except (ClientError, BotoCoreError) as exc:
        resource = Resource(KEY_TYPE, reference.arn or reference.name, reference.account, reference.region)
        return [fact, GapFact(resource, f"{resource.id}: Config lists the key but KMS answered {exc}", "config")]
    current = next((m.material_id for m in materials if m.state.value == "CURRENT"), None)
    return [replace(fact, materials=materials, current_material_id=current)]


class _Covered:
    """Questions about coverage: is this type (or collector) vouched for by Config here?"""

    def __init__(self, coverage: dict[tuple[str, str], Coverage], regions: Sequence[str]) -> None:
        self._coverage = coverage
        self._regions = tuple(regions)
        self._collector_of = {p.resource_type: p.collector for p in PROPERTIES}
        self._global = {"s3"}

    def scopes(self) -> list[tuple[str, str]]:
        return sorted(self._coverage)

    def recorded(self, resource_type: str, account: str | None, region: str | None) -> bool:
        found = self._coverage.get((account or "", region or ""))
        return found is not None and found.problem is None and resource_type in found.recorded

    def anywhere(self, resource_type: str) -> bool:
        return any(self.recorded(resource_type, a, r) for a, r in self._coverage)

    def row(self, resource_type: str | None, account: str | None, region: str | None) -> bool:
        """A row is used when its type is recorded there, and for a global collector (S3) in every region."""
        if resource_type is None or not self.recorded(resource_type, account, region):
            return False
        if self._collector_of.get(resource_type) in self._global:
            return all(self.recorded(resource_type, account, r) for r in self._regions)
        return True

    def collector(self, collector: Collector, types: frozenset[str] | None, scope: Scope) -> bool:
        if not types:
            return False
        regions = self._regions if collector.global_service else (scope.region,)
        return all(self.recorded(t, scope.account, r) for t in types for r in regions)


def _date(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
