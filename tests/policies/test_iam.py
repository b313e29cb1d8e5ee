"""The IAM documents are least privilege: each identity can do its job and nothing that belongs to another."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

IAM = Path(__file__).parents[2] / "policies" / "iam"
READ_PREFIXES = ("Describe", "Get", "List")
ROTATION_CALLS = {  # what byok.kms.client calls while importing and rotating
    "kms:DescribeKey",
    "kms:ListKeyRotations",
    "kms:GetParametersForImport",
    "kms:ImportKeyMaterial",
    "kms:RotateKeyOnDemand",
}


def statements(name: str) -> list[dict]:
    document = json.loads((IAM / name).read_text())
    assert document["Version"] == "2012-10-17"
    return document["Statement"]


def actions(statement: dict) -> set[str]:
    value = statement["Action"]
    return {value} if isinstance(value, str) else set(value)


@pytest.mark.parametrize("name", ["rotation-role.json", "retire-role.json", "drift-scanner.json"])
def test_no_wildcard_actions_and_only_allow(name):
    for statement in statements(name):
        assert statement["Effect"] == "Allow"
        assert not any("*" in action for action in actions(statement)), statement["Sid"]


def test_rotation_role_can_rotate_but_decrypt_only_its_canaries():
    granted = {action: s for s in statements("rotation-role.json") for action in actions(s)}
    assert ROTATION_CALLS <= set(granted)
    for forbidden in (
        "kms:DeleteImportedKeyMaterial",
        "kms:ScheduleKeyDeletion",
        "kms:ReEncryptFrom",
        "kms:GenerateDataKey",
        "kms:CreateGrant",
        "kms:PutKeyPolicy",
    ):
        assert forbidden not in granted
    decrypt = granted["kms:Decrypt"]
    assert decrypt["Condition"]["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"] == ["byok:canary"]
    assert decrypt["Condition"]["Null"]["kms:EncryptionContextKeys"] == "false"  # an empty context is no loophole
    for action in ROTATION_CALLS:
        assert granted[action]["Condition"]["Null"]["aws:ResourceTag/byok:key"] == "false"


def test_retire_role_cannot_import_or_use_keys_and_keeps_the_full_window():
    (statement,) = statements("retire-role.json")
    granted = actions(statement)
    assert "kms:DeleteImportedKeyMaterial" in granted and "kms:ScheduleKeyDeletion" in granted
    assert not granted & (ROTATION_CALLS - {"kms:DescribeKey", "kms:ListKeyRotations"})
    assert not granted & {"kms:Encrypt", "kms:Decrypt"}
    assert statement["Condition"]["NumericGreaterThanEquals"]["kms:ScheduleKeyDeletionPendingWindowInDays"] == "30"


def test_drift_scanner_only_reads_and_reports():
    for statement in statements("drift-scanner.json"):
        for action in actions(statement):
            verb = action.split(":", 1)[1]
            assert verb.startswith(READ_PREFIXES) or action == "securityhub:BatchImportFindings", action
