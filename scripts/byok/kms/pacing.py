"""Client-side pacing: every KMS call waits for a token of its quota's bucket, per account and region.

KMS throttles each account-region at documented rates (``byok.kms.quotas``, the table the local endpoint
enforces too). A run that sends faster only collects ThrottlingExceptions and backs off, so it ends later
than one that sends at the quota rate from the start. A caller reserves its token under the bucket's lock
and sleeps outside it, so waiters are served in arrival order and requests leave evenly spaced.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from byok.kms.quotas import RequestQuota, TokenBucket, quota_for, rate_for

Pace = Callable[[str], None]  # called with the operation name right before the request is sent
Overrides = Callable[[str], Mapping[str, float]]  # account -> raised quotas (byok.toml [quotas])


class QuotaPacer:
    """The buckets of every account-region a run talks to, created as they are first needed."""

    def __init__(self, overrides: Overrides = lambda account: {}, clock: Callable[[], float] = time.monotonic):
        self.overrides = overrides
        self._clock = clock
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def rate(self, account: str, region: str, operation: str) -> float:
        quota = quota_for(operation)
        if quota is None:
            raise ValueError(f"{operation} has no request quota")
        return rate_for(quota, region, self.overrides(account))

    def for_scope(self, account: str, region: str) -> Pace:
        """The pace function a KMS client of one account-region calls before each request."""

        def pace(operation: str) -> None:
            quota = quota_for(operation)
            if quota is None:
                return
            delay = self._bucket(account, region, quota).reserve(self._clock())
            if delay > 0:
                time.sleep(delay)

        return pace

    def _bucket(self, account: str, region: str, quota: RequestQuota) -> TokenBucket:
        with self._lock:
            slot = (account, region, quota.name)
            if slot not in self._buckets:
                rate = rate_for(quota, region, self.overrides(account))
                self._buckets[slot] = TokenBucket(rate, self._clock())
            return self._buckets[slot]
