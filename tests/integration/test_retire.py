"""``byok retire`` stages on SoftHSM2 and the local KMS: each refused with its reason until it is safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from byok.estate import GenerationState
from byok.references import state_references
from byok.retire import Phase, Retirement, RetirementRefused, retired
from byok.sandbox import clock


def retirement(kms, root, references=lambda key: [], now=None):
    return Retirement(kms, references, root / ".byok" / "journal.jsonl", now or clock.now(), timedelta(days=30))


def test_in_place_generations_are_never_retired(rotated, kms):
    root, state, _ = rotated
    with pytest.raises(RetirementRefused, match="PendingImport"):
        retirement(kms, root).decide(state, "s3", 1)


def test_active_generation_is_refused(rotated, kms):
    root, state, _ = rotated
    with pytest.raises(RetirementRefused, match="only a retiring generation"):
        retirement(kms, root).decide(state, "rds", 2)


def test_stages_in_order_with_reasons(rotated, kms, hsm):
    root, state, journal = rotated
    rds = state.key("rds")
    old_key = kms.describe(f"alias/{rds.alias}-g1")
    terraform_state = {
        "values": {
            "root_module": {
                "child_modules": [
                    {
                        "resources": [
                            {
                                "address": "module.estate.aws_db_instance.this",
                                "type": "aws_db_instance",
                                "values": {"kms_key_id": old_key.arn},
                            },
                            {
                                "address": 'module.keys.aws_kms_alias.generation["1"]',
                                "type": "aws_kms_alias",
                                "values": {"target_key_arn": old_key.arn},
                            },
                        ]
                    }
                ]
            }
        }
    }
    referenced = retirement(kms, root, lambda key: state_references(terraform_state, key.key_id))
    decision = referenced.decide(state, "rds", 1)
    assert decision.phase == Phase.DELETE_MATERIAL and not decision.allowed
    assert any("module.estate.aws_db_instance.this" in reason for reason in decision.reasons)
    assert not any("aws_kms_alias" in reason for reason in decision.reasons)  # the key's own alias is no use
    assert any("used for Decrypt" in reason for reason in decision.reasons)  # the rotation's canary, just now

    clock.advance(timedelta(days=31).total_seconds())
    decision = retirement(kms, root).decide(state, "rds", 1)
    assert decision.allowed, decision.reasons
    kms.delete_material(old_key.arn)
    journal.steps(old_key.arn, 1)("delete", {"detail": "test"})
    state = retired(state, decision)
    assert state.key("rds").generations[0].state == GenerationState.RETIRED

    deleted_at = datetime.now(UTC)  # the journal stamps real time; the sandbox clock only drives KMS
    decision = retirement(kms, root, now=deleted_at + timedelta(days=29)).decide(state, "rds", 1)
    assert decision.phase == Phase.DROP_FROM_TFVARS
    assert any("grace period ends" in reason for reason in decision.reasons)
    decision = retirement(kms, root, now=deleted_at + timedelta(days=31)).decide(state, "rds", 1)
    assert decision.allowed, decision.reasons
    state = retired(state, decision)
    assert [g.number for g in state.key("rds").generations] == [2]

    destroy = retirement(kms, root).decide(state, "rds", 1)
    assert destroy.phase == Phase.DESTROY_HSM_MATERIAL
    (label,) = [m.label for m in hsm.list_materials(f"byok/dev/rds/g1/{old_key.key_id}")]
    assert "still holds" in retirement(kms, root).kms_still_holds(label)  # the key exists until Terraform deletes it
