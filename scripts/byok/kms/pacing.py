"""Client-side pacing: every KMS call waits for a token of its quota's bucket, per account and region.

KMS throttles each account-region at documented rates (``byok.kms.quotas``). A run that sends faster
only collects ThrottlingExceptions and backs off, so it ends later than one that sends at the quota
rate from the start. Buckets hold one token (no bursts): requests leave evenly spaced, which keeps them
inside the server's bucket even when the network bunches a few together. Waiting reserves the next
slot under a lock and sleeps outside it, so waiters are served in arrival order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from byok.kms.quotas import QuotaTable

Pace = Callable[[str], None]  # called with the operation name right before the request is sent


class TokenBucket:
    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._lock = threading.Lock()
        self._next_free = clock()  # the moment the next request may leave

    def reserve(self) -> float:
        """Take the next slot; returns how long the caller must wait for it."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_free)
            self._next_free = start + 1.0 / self.rate
            return start - now

    def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)


class QuotaPacer:
    """The buckets of every account-region a run talks to, created as they are first needed."""

    def __init__(self, tables: Callable[[str], QuotaTable] = lambda account: QuotaTable()) -> None:
        self.tables = tables  # account -> its quotas (raised quotas come from byok.toml)
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, account: str, region: str, quota: str) -> TokenBucket:
        with self._lock:
            slot = (account, region, quota)
            if slot not in self._buckets:
                self._buckets[slot] = TokenBucket(self.tables(account).rate(quota))
            return self._buckets[slot]

    def for_scope(self, account: str, region: str) -> Pace:
        """The pace function a KMS client of one account-region calls before each request."""

        table = self.tables(account)

        def pace(operation: str) -> None:
            quota = table.quota_of(operation)
            if quota is not None:
                self.bucket(account, region, quota).acquire()

        return pace
