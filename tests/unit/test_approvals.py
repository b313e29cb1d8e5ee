"""Which trusted objects byok may destroy: decided from the attribution in CKA_ID and the label alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from byok.hsm.approvals import ApprovalState, TrustedObject, _parse_attribution, attribution

ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
BYOK_LABEL = "byok-approved/0123456789abcdef01234567/public"


@pytest.mark.parametrize(
    ("label", "key_arn", "valid_to", "state", "prunable"),
    [
        (BYOK_LABEL, ARN, NOW + timedelta(hours=1), ApprovalState.USABLE, False),
        (BYOK_LABEL, ARN, NOW, ApprovalState.EXPIRED, True),  # the token's last second is already too late
        (BYOK_LABEL, None, None, ApprovalState.ORPHAN, True),
        ("vendor-ca-wrap", ARN, NOW - timedelta(days=1), ApprovalState.UNKNOWN_ORIGIN, False),
        ("byok-approved-lookalike", None, None, ApprovalState.UNKNOWN_ORIGIN, False),
    ],
)
def test_state_and_whether_byok_may_destroy_it(label, key_arn, valid_to, state, prunable):
    found = TrustedObject(label, "public", "0123456789abcdef01234567", key_arn, valid_to)
    assert found.state(NOW) is state and found.prunable(NOW) is prunable


def test_the_attribution_round_trips_and_garbage_reads_as_none():
    assert _parse_attribution(attribution(ARN, NOW)) == (ARN, NOW)
    assert _parse_attribution(b"\x01\x02") == (None, None)
    assert _parse_attribution(b"byok-approval|" + ARN.encode() + b"|not a date") == (None, None)


def test_an_approval_matches_its_wrapping_key_by_fingerprint_prefix():
    aes = TrustedObject("byok-approved/0123456789abcdef01234567/aes", "aes", "0123456789abcdef01234567", ARN, NOW)
    assert aes.approves("0123456789abcdef01234567" + "89" * 20)
    assert not aes.approves("f" * 64)
    assert not TrustedObject("x", "data", "", None, None).approves("")
