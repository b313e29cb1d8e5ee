"""The KMS request quota table and the token bucket that enforces a rate, on a clock the test drives."""

from __future__ import annotations

import pytest

from byok.kms.quotas import REQUEST_QUOTAS, SYMMETRIC_CRYPTO, TokenBucket, quota_for, rate_for


def test_each_operation_draws_on_exactly_one_quota_and_shared_ones_share() -> None:
    operations = [operation for quota in REQUEST_QUOTAS for operation in quota.operations]

    assert len(operations) == len(set(operations))
    assert quota_for("Encrypt") is quota_for("Decrypt") is quota_for("GenerateDataKey")
    assert quota_for("Encrypt").name == SYMMETRIC_CRYPTO  # type: ignore[union-attr]
    assert quota_for("CreateAlias") is not quota_for("UpdateAlias")
    assert quota_for("ListTagsForResource") is None


@pytest.mark.parametrize(
    ("operation", "rate"),
    [
        ("GetParametersForImport", 1),
        ("ImportKeyMaterial", 15),
        ("RotateKeyOnDemand", 5),
        ("CreateKey", 5),
        ("CreateAlias", 5),
        ("UpdateAlias", 5),
        ("GetKeyLastUsage", 5),
        ("ListKeyRotations", 100),
        ("DescribeKey", 2_000),
        ("ListKeys", 500),
        ("ListAliases", 500),
        ("GetKeyPolicy", 1_000),
    ],
)
def test_documented_rates(operation: str, rate: float) -> None:
    quota = quota_for(operation)

    assert quota is not None and rate_for(quota, "eu-west-3") == rate


def test_symmetric_cryptography_rate_depends_on_the_region_and_overrides_win() -> None:
    quota = quota_for("Decrypt")
    assert quota is not None

    assert rate_for(quota, "us-east-1") == 100_000
    assert rate_for(quota, "eu-central-1") == 20_000
    assert rate_for(quota, "eu-west-3") == 10_000
    assert rate_for(quota, "eu-west-3", {SYMMETRIC_CRYPTO: 30_000}) == 30_000
    import_quota = quota_for("GetParametersForImport")
    assert import_quota is not None and rate_for(import_quota, "eu-west-3", {"GetParametersForImport": 4}) == 4


def test_bucket_admits_one_seconds_burst_then_the_rate() -> None:
    bucket = TokenBucket(5, now=100.0)

    assert [bucket.try_take(100.0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.try_take(100.1) is False  # 0.5 of a token
    assert bucket.try_take(100.2) is True
    assert bucket.try_take(200.0) and bucket.capacity == 5  # a long pause refills to capacity, not beyond


def test_slow_rates_still_admit_one_request() -> None:
    bucket = TokenBucket(0.25, now=0.0)

    assert bucket.try_take(0.0) is True
    assert bucket.try_take(3.9) is False
    assert bucket.try_take(4.0) is True


def test_reserve_queues_callers_at_the_rate() -> None:
    bucket = TokenBucket(1, now=0.0)

    assert [bucket.reserve(0.0) for _ in range(4)] == [0.0, 1.0, 2.0, 3.0]
    assert bucket.try_take(3.5) is False  # the reservations hold the tokens until they come due


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0, now=0.0)
