"""Facts from the live accounts: every registered collector, in every account and region, concurrently.

Speed comes from doing no more than a bare script would: one boto3 client per account, region and service,
built up front (building clients is slow and a session is not thread-safe) and shared by all threads
(clients are); one listing per collector and region; at most one describe call per resource; and a bounded
pool sized to the HTTP connection pool. KMS calls are paced to KMS's request quotas per account and region
(``byok.kms.pacing``, the pacer ``rotate apply`` uses: ListKeyRotations allows 100 a second, so 100,000 imported
keys cannot be read faster than 1,000 s, and sending faster only collects ThrottlingExceptions); other services'
throttling is absorbed by adaptive retries. A failed call becomes a gap fact, so one denied service never hides
the rest of the estate, and never passes silently either.

Memory stays flat however large an account is: at most ``IN_FLIGHT_PER_WORKER`` describe calls per worker are
queued at a time (100,000 keys are 100,000 describe calls, not 100,000 futures held at once), and facts are
yielded as they arrive. ``only`` narrows the scan to some collectors in some accounts and regions: the Config
source uses it to scan through the APIs only what Config does not record.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, NamedTuple, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from byok import client_classes
from byok.drift.collectors import Collector, Page, Scope, load
from byok.drift.facts import Fact, GapFact
from byok.drift.findings import Resource
from byok.errors import ConfigError
from byok.kms.pacing import QuotaPacer

# Calls in flight. A describe call costs the scan about 1.5 ms of CPU and waits out a network round trip (tens of
# ms to AWS), so the pool is sized to keep one core busy through the wait: on the drift benchmark (25 ms modelled
# latency, 2 cores shared with the endpoint) 16 workers took 7.8-10 s, 32 took 6.0-7.2 s, 48 and 64 no less.
DEFAULT_WORKERS = 32
IN_FLIGHT_PER_WORKER = 4
Job = Callable[[], Page | Iterable[Fact]]
ScopeFilter = Callable[[Collector, Scope], bool]
T = TypeVar("T")


def client_config(workers: int, endpoint_url: str | None = None) -> Config:
    """Adaptive retries, a connection per worker, and path-style S3 for a local endpoint (no bucket DNS)."""
    return Config(
        retries={"mode": "adaptive", "max_attempts": 8},
        max_pool_connections=workers,
        connect_timeout=10,
        read_timeout=60,
        s3={"addressing_style": "path"} if endpoint_url else None,
    )


class LiveSource:
    name = "live"

    def __init__(
        self,
        regions: Sequence[str],
        accounts: Sequence[str] = (),
        role_name: str | None = None,
        endpoint_url: str | None = None,
        workers: int = DEFAULT_WORKERS,
        collectors: Sequence[str] | None = None,
        session: boto3.session.Session | None = None,
        only: ScopeFilter | None = None,
        pacer: QuotaPacer | None = None,
    ) -> None:
        if not regions:
            raise ConfigError("no region to scan", "pass --regions or list regions in byok.toml")
        registry = load()
        unknown = sorted(set(collectors or ()) - set(registry))
        if unknown:
            raise ConfigError(f"unknown collector(s) {unknown}", f"choose from: {', '.join(sorted(registry))}")
        self.regions = tuple(regions)
        self.accounts = tuple(accounts)
        self.role_name = role_name
        self.endpoint_url = endpoint_url
        self.workers = workers
        self.collectors = [registry[name]() for name in (collectors or sorted(registry))]
        self.session = session or boto3.session.Session()
        self.config = client_config(workers, endpoint_url)
        client_classes.install()  # a client per account, Region and service: build each service's class once
        self.only = only
        self.pacer = pacer or QuotaPacer()
        self._sts: Any = None
        self._own: str | None = None
        self._assumed: dict[str, dict[str, str]] = {}
        self._client_lock = threading.Lock()
        self._prepared: list[Listing] | None = None

    def prepared(self) -> LiveSource:
        """Assume the roles and build the clients now, in this thread, instead of when ``facts()`` starts.

        The Config source runs this scan beside its queries: its set-up (service models, STS) then happens
        before any fact flows, and the scan's memory is the steady one of its calls.
        """
        self._prepared = self.listings()
        return self

    def narrowed(self, accounts: Sequence[str], collectors: Sequence[str], only: ScopeFilter) -> LiveSource:
        """The same scan for fewer accounts and collectors, reusing this one's session, identity and assumed roles.

        The Config source scans through the APIs only what Config cannot vouch for, in accounts whose roles it
        has usually assumed already (for KMS materials): it should not ask STS twice for the same credentials.
        """
        narrow = LiveSource(
            self.regions, accounts, self.role_name, self.endpoint_url, self.workers, collectors, self.session, only
        )
        narrow._sts, narrow._own, narrow._assumed = self._sts, self._own, self._assumed
        narrow._client_lock = self._client_lock
        return narrow

    def client(self, service: str, region: str, credentials: dict[str, str]) -> Any:
        """A client from the shared session; built under a lock, since a boto3 session is not thread-safe."""
        with self._client_lock:
            return self.session.client(
                service, region_name=region, endpoint_url=self.endpoint_url, config=self.config, **credentials
            )

    def own_account(self) -> str:
        if self._own is None:
            self._sts = self.client("sts", self.regions[0], {})
            self._own = str(self._sts.get_caller_identity()["Account"])
        return self._own

    def credentials(self) -> dict[str, dict[str, str]]:
        """Account -> client credentials: none for the caller's own account, assumed-role ones for others.

        Clients of every account come from the one session, with credentials per client, so each service
        model is loaded once for the whole scan instead of once per account.
        """
        accounts = self.accounts or (self.own_account(),)
        return dict(zip(accounts, self.concurrently(self.credentials_for, accounts), strict=True))

    def concurrently(self, work: Callable[[str], T], accounts: Sequence[str]) -> list[T]:
        """``work`` for every account on the scan's workers: assuming a role is one round trip per account.

        The caller's identity is asked first, in this thread, so the workers share one STS client.
        """
        self.own_account()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="byok-sts") as pool:
            return list(pool.map(work, accounts))

    def credentials_for(self, account: str) -> dict[str, str]:
        own = self.own_account()
        if account == own and not self.role_name:
            return {}
        if not self.role_name:
            raise ConfigError(f"account {account} is not the caller's ({own})", "pass --role-name to assume a role")
        if account not in self._assumed:
            self._assumed[account] = self._assume(self._sts, account)
        return self._assumed[account]

    def _assume(self, sts: Any, account: str) -> dict[str, str]:
        role = f"arn:aws:iam::{account}:role/{self.role_name}"
        try:
            assumed = sts.assume_role(RoleArn=role, RoleSessionName="byok-drift")["Credentials"]
        except ClientError as exc:
            raise ConfigError(f"cannot assume {role}: {exc}", "check the role's trust policy") from None
        return {
            "aws_access_key_id": assumed["AccessKeyId"],
            "aws_secret_access_key": assumed["SecretAccessKey"],
            "aws_session_token": assumed["SessionToken"],
        }

    def listings(self) -> list[Listing]:
        """One listing per collector, account and region (once per account for global services)."""
        jobs = []
        for account, credentials in self.credentials().items():
            clients: dict[tuple[str, str], Any] = {}
            for region in self.regions:
                for collector in self.collectors:
                    if collector.global_service and region != self.regions[0]:
                        continue
                    scope = Scope(account, region)
                    if self.only is not None and not self.only(collector, scope):
                        continue
                    slot = (collector.service, region)
                    if slot not in clients:
                        clients[slot] = self.client(collector.service, region, credentials)
                        if collector.service == "kms":
                            self._pace(clients[slot], account, region)
                    jobs.append(Listing(collector, clients[slot], scope))
        return jobs

    def _pace(self, client: Any, account: str, region: str) -> None:
        """Every attempt of every KMS request (retries too) waits for a token of its quota in this account-region."""
        pace = self.pacer.for_scope(account, region)

        def before_send(event_name: str, **_: Any) -> None:
            pace(event_name.rsplit(".", 1)[-1])

        client.meta.events.register("before-send.kms", before_send)

    def facts(self) -> Iterator[Fact]:
        """Results are taken from a queue as they complete: ``wait()`` on thousands of futures is quadratic.

        Listings go first; describe calls wait in a queue of (listing, items) and are submitted only while
        fewer than ``workers * IN_FLIGHT_PER_WORKER`` calls are in flight.
        """
        done: queue.SimpleQueue[tuple[Listing, Future]] = queue.SimpleQueue()
        waiting: deque[tuple[Listing, Iterator[Any]]] = deque()
        limit = self.workers * IN_FLIGHT_PER_WORKER
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="byok-drift") as pool:
            running = 0

            def submit(listing: Listing, call: Job) -> None:
                nonlocal running
                running += 1
                pool.submit(_guarded, listing, call).add_done_callback(lambda future: done.put((listing, future)))

            def refill() -> list[Fact]:
                """Submit describe calls up to the limit; a lazy listing that fails on a later page is a gap."""
                gaps: list[Fact] = []
                while waiting and running < limit:
                    listing, items = waiting[0]
                    try:
                        item = next(items, _END)
                    except (ClientError, BotoCoreError) as exc:
                        gaps.extend(_gap(listing, exc))
                        item = _END
                    if item is _END:
                        waiting.popleft()
                        continue
                    submit(listing, partial(listing.collector.describe, listing.client, listing.scope, item))
                return gaps

            for listing in self._prepared if self._prepared is not None else self.listings():
                submit(listing, partial(listing.collector.list, listing.client, listing.scope))
            while running:
                listing, future = done.get()
                running -= 1
                result = future.result()
                if isinstance(result, Page):
                    yield from result.facts
                    pending = result.pending
                    waiting.append((listing, _draining(pending) if isinstance(pending, list) else iter(pending)))
                else:
                    yield from result
                yield from refill()


_END = object()


def _draining(items: list[Any]) -> Iterator[Any]:
    """Hand out a listing's items and drop each from the list, so a described item is not kept."""
    items.reverse()
    while items:
        yield items.pop()


class Listing(NamedTuple):
    collector: Collector
    client: Any
    scope: Scope


def _guarded(listing: Listing, job: Job) -> Page | list[Fact]:
    """Run a collector call in a worker; a failure becomes a gap fact instead of ending the scan."""
    try:
        result = job()
        return result if isinstance(result, Page) else list(result)
    except (ClientError, BotoCoreError) as exc:
        return _gap(listing, exc)


def _gap(listing: Listing, exc: Exception) -> list[Fact]:
    scope = listing.scope
    where = f"{scope.account}/{scope.region}/{listing.collector.name}"
    resource = Resource(listing.collector.resource_type, where, scope.account, scope.region)
    return [GapFact(resource, f"{where}: {exc}")]
