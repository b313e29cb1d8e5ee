"""AWS KMS request quotas: the one table of documented rates, and the token bucket that enforces a rate.

Source: AWS KMS Developer Guide, "Request quotas" (requests-per-second.html), default values per account and
Region, as checked in 2026-12 (DESIGN.md section 7). Every quota is adjustable by AWS on request except the
CloudHSM key store one, so a caller whose account has raised quotas passes its own rates (``overrides``).

Both sides use this module: the local endpoint throttles with it (``byok.sandbox.throttle``) and a client-side
limiter can pace itself with :meth:`TokenBucket.reserve` so that it never leans on ThrottlingException.
Operations absent from the table are not throttled.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

SOURCE = 'AWS KMS Developer Guide, "Request quotas" (requests-per-second), default values, checked 2026-12'

THROTTLING_CODE = "ThrottlingException"
THROTTLING_MESSAGE = "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."


@dataclass(frozen=True)
class RequestQuota:
    """One row of the quota table: a name and the operations that draw on it (several when AWS shares it)."""

    name: str
    rate: float  # requests per second, per account and Region
    operations: tuple[str, ...]


SYMMETRIC_CRYPTO = "Cryptographic operations (symmetric) request rate"

# The symmetric cryptographic quota depends on the Region; everything else is the same in every Region.
_SYMMETRIC_CRYPTO_RATE_DEFAULT = 10_000.0
_SYMMETRIC_CRYPTO_RATE_BY_REGION = {
    **dict.fromkeys(("us-east-1", "us-west-2", "eu-west-1"), 100_000.0),
    **dict.fromkeys(
        ("us-east-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "eu-central-1", "eu-west-2"), 20_000.0
    ),
}


def _own(name: str, rate: float) -> RequestQuota:
    """A quota that one operation has to itself, named as Service Quotas names it."""
    return RequestQuota(f"{name} request rate", rate, (name,))


REQUEST_QUOTAS: tuple[RequestQuota, ...] = (
    RequestQuota(
        SYMMETRIC_CRYPTO,
        _SYMMETRIC_CRYPTO_RATE_DEFAULT,
        (
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateMac",
            "GenerateRandom",
            "ReEncrypt",
            "VerifyMac",
        ),
    ),
    _own("GetParametersForImport", 1),
    _own("ImportKeyMaterial", 15),
    _own("DeleteImportedKeyMaterial", 15),
    _own("ScheduleKeyDeletion", 15),
    _own("RotateKeyOnDemand", 5),
    _own("CreateKey", 5),
    _own("CreateAlias", 5),
    _own("UpdateAlias", 5),
    _own("DeleteAlias", 5),
    _own("ReplicateKey", 5),
    _own("CancelKeyDeletion", 5),
    _own("EnableKey", 5),
    _own("DisableKey", 5),
    _own("UpdateKeyDescription", 5),
    _own("GetKeyLastUsage", 5),
    _own("ListKeyRotations", 100),
    _own("ListKeys", 500),
    _own("ListAliases", 500),
    _own("GetKeyPolicy", 1_000),
    _own("GetKeyRotationStatus", 1_000),
    _own("DescribeKey", 2_000),
    _own("ListResourceTags", 2_000),
)

_BY_OPERATION = {operation: quota for quota in REQUEST_QUOTAS for operation in quota.operations}


def quota_for(operation: str) -> RequestQuota | None:
    """The quota an operation draws on, or None for an operation the table does not limit."""
    return _BY_OPERATION.get(operation)


def rate_for(quota: RequestQuota, region: str, overrides: Mapping[str, float] | None = None) -> float:
    """Requests per second in ``region``; ``overrides`` (by quota name or by operation) are raised quotas."""
    for name in (quota.name, *quota.operations):
        if overrides and name in overrides:
            return float(overrides[name])
    if quota.name == SYMMETRIC_CRYPTO:
        return _SYMMETRIC_CRYPTO_RATE_BY_REGION.get(region, _SYMMETRIC_CRYPTO_RATE_DEFAULT)
    return quota.rate


class TokenBucket:
    """``rate`` tokens a second, holding at most one second's worth (at least one token), thread-safe.

    AWS counts requests per one-second interval; a bucket of one second's capacity admits the same steady rate
    and the same one-second burst without the edge effects of fixed windows. Time is passed in by the caller so
    that tests can drive it and both the server (``try_take``) and a client (``reserve``) share one clock.
    """

    def __init__(self, rate: float, now: float) -> None:
        if rate <= 0:
            raise ValueError("a request rate must be positive")
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._updated = now
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = max(self._updated, now)

    def try_take(self, now: float) -> bool:
        """Take a token if one is there (the server's view: answer now or throttle)."""
        with self._lock:
            self._refill(now)
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False

    def reserve(self, now: float) -> float:
        """Take the next token even if it is not there yet; the seconds to wait before using it (a client's view)."""
        with self._lock:
            self._refill(now)
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate
