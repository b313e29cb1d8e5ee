"""Client-side pacing: every KMS call waits for a token of its quota's bucket, per account and region.

KMS throttles each account-region at documented rates (``byok.kms.quotas``, the table the local endpoint
enforces too). A run that sends faster only collects ThrottlingExceptions and backs off, so it ends later
than one that sends at the quota rate from the start. A caller reserves its token under the bucket's lock
and sleeps outside it, so waiters are served in arrival order and requests leave evenly spaced; a slow
quota's requests are also spaced by when they really leave (``Spacing``).

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

Pace = Callable[[str], None]  # blocks until a request of this operation may leave
DEFAULT_HEADROOM = 0.05
SPACED_BELOW = 10.0  # quotas of fewer requests a second are also kept apart by when requests really leave
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
        self._spacings: dict[tuple[str, str, str], Spacing] = {}
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

        def pace(operation: str) -> None:
            quota = quota_for(operation)
            if quota is None:
                return
            bucket, spacing = self._slot(account, region, quota)
            delay = bucket.reserve(self._clock())
            if delay > 0:
                time.sleep(delay)
            if spacing is not None:
                spacing.hold(self._clock)

        return pace

    def _slot(self, account: str, region: str, quota: RequestQuota) -> tuple[TokenBucket, Spacing | None]:
        with self._lock:
            slot = (account, region, quota.name)
            if slot not in self._buckets:
                rate = self._paced_rate(account, region, quota)
                self._buckets[slot] = TokenBucket(rate, self._clock())
                if rate < SPACED_BELOW:
                    self._spacings[slot] = Spacing(1 / rate)
            return self._buckets[slot], self._spacings.get(slot)


class Spacing:
    """Keeps requests of a slow quota (GetParametersForImport: 1 a second) apart by when they really leave.

    A bucket hands out evenly spaced slots, but a thread may wake late for its slot (another thread held the
    interpreter, e.g. in a PKCS#11 call) while the next one leaves on time: the two then arrive closer than the
    quota allows and the second is throttled, which costs a whole slot. Measuring from the previous request's
    real departure turns that lateness into a few milliseconds of delay instead.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last = -float("inf")
        self._lock = threading.Lock()

    def hold(self, clock: Callable[[], float]) -> None:
        with self._lock:  # held while waiting: requests of the slot leave one at a time, in order
            gap = self._last + self.interval - clock()
            if gap > 0:
                time.sleep(gap)
            self._last = clock()
