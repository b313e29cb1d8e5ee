"""Request quotas and network latency for the local endpoint: what bounds a real rotation, off unless asked for.

With quotas on, every KMS request draws a token from the bucket of its account, Region and quota (the
documented rates of ``byok.kms.quotas``; operations that share a quota share a bucket), and a request that
finds the bucket empty is answered exactly as KMS answers it: HTTP 400, ``__type`` ThrottlingException and
KMS's message, without reaching moto. With a latency set, every AWS request (not the ``/_byok/`` admin routes)
is delayed by a fixed or normally distributed time first, as a network round trip would delay it.

Unit tests keep both off (the default) so they stay fast; a test switches them on with
``LocalEndpoint.set_limits`` (``reset`` switches them back), ``byok sandbox serve --quotas --latency-ms`` does it
for a served endpoint, and the benchmarks turn both on.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

from byok.kms.quotas import THROTTLING_CODE, THROTTLING_MESSAGE, TokenBucket, quota_for, rate_for

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

ADMIN_PREFIX = "/_byok/"
DEFAULT_REGION = "us-east-1"
_KMS_TARGET = "TrentService."
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/")


@dataclass(frozen=True)
class Latency:
    """A per-call delay in seconds: ``mean`` alone is fixed; with ``spread`` it is normal(mean, spread), never < 0."""

    mean: float
    spread: float = 0.0

    def __post_init__(self) -> None:
        if self.mean < 0 or self.spread < 0:
            raise ValueError("latency and its spread cannot be negative")

    def sample(self, rng: random.Random) -> float:
        return self.mean if self.spread == 0 else max(0.0, rng.gauss(self.mean, self.spread))


@dataclass(frozen=True)
class Limits:
    """What the endpoint imposes: quotas on or off, a latency or none, and raised quotas by name or operation."""

    quotas: bool = False
    latency: Latency | None = None
    overrides: Mapping[str, float] = field(default_factory=dict)


OFF = Limits()


def caller_scope(environ: dict[str, Any]) -> tuple[str, str]:
    """The account and Region a signed request is for, as moto resolves them (access key -> account)."""
    from moto.iam.models import get_account_id_from  # moto imports are slow; only a served request needs this

    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match is None:
        return get_account_id_from(""), DEFAULT_REGION
    access_key, region = match.groups()
    return get_account_id_from(access_key), region


def throttling_response() -> Response:
    body = json.dumps({"__type": THROTTLING_CODE, "message": THROTTLING_MESSAGE})
    return Response(body, 400, {"x-amzn-RequestId": str(uuid.uuid4())}, mimetype="application/x-amz-json-1.1")


class LimitsRoute:
    """WSGI middleware in front of the endpoint: delays every AWS request and throttles KMS past its quota.

    ``throttled`` counts the ThrottlingException answers per (account, Region, operation), so a test or a
    benchmark can show how many requests a client made the endpoint refuse.
    """

    def __init__(
        self,
        app: WsgiApp,
        limits: Limits = OFF,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._app = app
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._rng = rng or random.Random()  # noqa: S311 - network jitter, not cryptography
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self.limits = limits
        self.throttled: Counter[tuple[str, str, str]] = Counter()

    def configure(self, limits: Limits) -> None:
        """Switch limits; every bucket starts full again, as after a quiet second."""
        with self._lock:
            self.limits = limits
            self._buckets.clear()
            self.throttled.clear()

    def _admits(self, account: str, region: str, operation: str) -> bool:
        quota = quota_for(operation)
        if quota is None:
            return True
        scope = (account, region, quota.name)
        with self._lock:
            bucket = self._buckets.get(scope)
            if bucket is None:
                rate = rate_for(quota, region, self.limits.overrides)
                bucket = self._buckets[scope] = TokenBucket(rate, self._clock())
        if bucket.try_take(self._clock()):
            return True
        with self._lock:
            self.throttled[(account, region, operation)] += 1
        return False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        limits = self.limits
        if environ.get("PATH_INFO", "").startswith(ADMIN_PREFIX) or limits == OFF:
            return self._app(environ, start_response)
        if limits.latency is not None:
            with self._lock:
                delay = limits.latency.sample(self._rng)
            self._sleep(delay)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if limits.quotas and target.startswith(_KMS_TARGET):
            account, region = caller_scope(environ)
            if not self._admits(account, region, target[len(_KMS_TARGET) :]):
                return throttling_response()(environ, start_response)
        return self._app(environ, start_response)
