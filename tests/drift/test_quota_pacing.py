"""The live scan paces its KMS calls to KMS's request quotas, so an estate of imported keys is read at the quota
rate without a single ThrottlingException (the endpoint enforces the same table, ``byok.kms.quotas``)."""

from __future__ import annotations

import pytest
from tests.drift.conftest import aws, local_session

from byok.drift.facts import KeyFact
from byok.drift.sources.live import LiveSource
from byok.kms.pacing import QuotaPacer
from byok.sandbox.throttle import OFF, Limits
from support.sandbox import REGION

KEYS = 40
# ListKeyRotations allows 100 a second; here the endpoint allows 10 (as if lowered), and the pacer is told so
# through the [quotas] override byok.toml gives it, so that an unpaced scan outruns it even on a loaded machine.
QUOTA = {"ListKeyRotations": 10}


@pytest.fixture
def imported_keys(sandbox):
    sandbox.reset()
    kms = aws(sandbox, "kms")
    for _ in range(KEYS):
        kms.create_key(Origin="EXTERNAL")  # PendingImport: no material, but ListKeyRotations is still called
    sandbox.set_limits(Limits(quotas=True, overrides=QUOTA))
    yield sandbox
    sandbox.set_limits(OFF)
    sandbox.reset()


def scan(endpoint, pacer: QuotaPacer) -> int:
    source = LiveSource([REGION], endpoint_url=endpoint.url, session=local_session(), collectors=["kms"], pacer=pacer)
    return sum(1 for fact in source.facts() if isinstance(fact, KeyFact))


def test_the_kms_scan_is_read_at_the_quota_rate_without_a_throttling_exception(imported_keys):
    assert scan(imported_keys, QuotaPacer(overrides=lambda account: QUOTA)) == KEYS
    assert imported_keys.limits_route.throttled == {}


def test_without_pacing_the_same_scan_is_throttled(imported_keys):
    """The check above can fail: a pacer as fast as the scan can go collects ThrottlingExceptions (retried)."""
    unpaced = QuotaPacer(overrides=lambda account: {"ListKeyRotations": 1_000_000})
    assert scan(imported_keys, unpaced) == KEYS
    assert sum(imported_keys.limits_route.throttled.values()) > 0
