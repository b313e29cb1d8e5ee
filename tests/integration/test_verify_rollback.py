"""``rotate verify`` after the cut-over, and the alias-swap rollback when it fails."""

from __future__ import annotations

import boto3
import pytest

from byok.errors import ByokError
from byok.estate import GenerationState
from byok.rotation.canaries import CanaryStore
from byok.rotation.verify import rolled_back, verify_environment


def move_alias(endpoint, alias: str, key_id: str) -> None:
    """What the follow-up `terraform apply` does to alias/<name> of an alias-swap key."""
    boto3.client("kms", endpoint_url=endpoint.url, region_name="eu-central-1").update_alias(
        AliasName=alias, TargetKeyId=key_id
    )


def test_verify_passes_after_the_cut_over_and_rollback_restores_the_previous_generation(rotated, kms, endpoint):
    root, state, _ = rotated
    rds = state.key("rds")
    g2 = kms.describe(f"alias/{rds.alias}-g2")
    store = CanaryStore(root / ".byok")

    before_cut_over = {c.key: c for c in verify_environment(state, kms, store)}
    assert not before_cut_over["rds"].ok and "not generation 2" in str(before_cut_over["rds"].problems[0])
    assert before_cut_over["s3"].ok and before_cut_over["s3"].canaries == 1

    move_alias(endpoint, f"alias/{rds.alias}", g2.key_id)
    checks = {c.key: c for c in verify_environment(state, kms, store)}
    assert all(c.ok for c in checks.values()), checks

    stray = kms.create_external_key("not ours")
    move_alias(endpoint, f"alias/{rds.alias}", stray.key_id)
    assert not {c.key: c for c in verify_environment(state, kms, store)}["rds"].ok
    back = rolled_back(state, "rds").key("rds")
    assert [(g.number, g.state) for g in back.generations] == [
        (1, GenerationState.ACTIVE),
        (2, GenerationState.RETIRING),
    ]


def test_in_place_cannot_be_rolled_back_in_kms(rotated):
    _, state, _ = rotated
    with pytest.raises(ByokError, match="cannot make an older material current again"):
        rolled_back(state, "s3")
