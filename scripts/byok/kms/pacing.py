"""Client-side pacing: every KMS call waits for a token of its quota's bucket, per account and region.

KMS throttles each account-region at documented rates (``byok.kms.quotas``, the table the local endpoint
enforces too). A run that sends faster only collects ThrottlingExceptions and backs off, so it ends later
than one that sends at the quota rate from the start. A caller reserves its token under the bucket's lock
and sleeps outside it, so waiters are served in arrival order and requests leave evenly spaced.

Evenly spaced at exactly the quota is not enough: KMS counts requests when they arrive, and network
latency varies from one request to the next, so a request sent 1.000 s after the previous one arrives
0.98 s after it about half the time and is throttled. The pacer therefore sends at the quota less a
headroom (5% by default, ``[rotation] quota_headroom``), which absorbs a jitter of some 50 ms at one
request per second and costs a run 5% over the floor instead of a retry with back-off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from byok.kms.quotas import RequestQuota, TokenBucket, quota_for, rate_for

Pace = Callable[[str], float]  # takes a slot for an operation; returns the seconds to wait before sending
DEFAULT_HEADROOM = 0.05
Overrides = Callable[[str], Mapping[str, float]]  # account -> raised quotas (byok.toml [quotas])


class QuotaPacer:
    """The buckets of every account-region a run talks to, created as they are first needed."""

    def __init__(
        self,
        overrides: Overrides = lambda account: {},
        headroom: float = DEFAULT_HEADROOM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.overrides = overrides
        self.headroom = headroom
        self._clock = clock
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def rate(self, account: str, region: str, operation: str) -> float:
        """Requests per second this pacer lets ``operation`` make in one account-region."""
        quota = quota_for(operation)
        if quota is None:
            raise ValueError(f"{operation} has no request quota")
        return self._paced_rate(account, region, quota)

    def _paced_rate(self, account: str, region: str, quota: RequestQuota) -> float:
        return rate_for(quota, region, self.overrides(account)) * (1 - self.headroom)

    def for_scope(self, account: str, region: str) -> Pace:
        """The pace function a KMS client of one account-region calls before each request (and retry)."""

        def pace(operation: str) -> float:
            quota = quota_for(operation)
            return 0.0 if quota is None else self._bucket(account, region, quota).reserve(self._clock())

        return pace

    def _bucket(self, account: str, region: str, quota: RequestQuota) -> TokenBucket:
        with self._lock:
            slot = (account, region, quota.name)
            if slot not in self._buckets:
                self._buckets[slot] = TokenBucket(self._paced_rate(account, region, quota), self._clock())
            return self._buckets[slot]
