"""Guards around a rotation: a second run on the same environment, keys in every KMS state, the inventory."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

from byok.audit.lock import lock_environment
from byok.cli.main import main
from byok.errors import KeyWrongState
from support.output_schema import documented

BYOK = str(Path(sys.executable).with_name("byok"))


def test_a_second_apply_on_the_same_environment_is_refused_with_the_holder(estate):
    root, _, _ = estate
    subprocess.run(
        [BYOK, "rotate", "propose", "--env", "dev", "--key", "s3"], cwd=root, check=True, capture_output=True
    )
    with lock_environment(root / ".byok", "dev", "other-run-7"):
        result = subprocess.run(
            [BYOK, "rotate", "apply", "--env", "dev"],
            cwd=root,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 6, result.stderr
    assert "other-run-7" in result.stderr and "--wait" in result.stderr
    journal = (root / ".byok" / "journal.jsonl").read_text() if (root / ".byok" / "journal.jsonl").exists() else ""
    assert '"material-imported"' not in journal  # refused before acting


@pytest.fixture
def raw_kms(endpoint):
    return boto3.client("kms", endpoint_url=endpoint.url, region_name="eu-central-1")


@pytest.mark.parametrize("state", ["Disabled", "PendingDeletion"])
def test_keys_in_states_that_take_no_material_are_refused_and_nothing_is_generated(importer, kms, hsm, raw_kms, state):
    alias = f"alias/state-{uuid.uuid4().hex[:8]}"
    key = kms.create_external_key("state test")
    kms.create_alias(alias, key.key_id)
    importer.execute(importer.plan(alias), valid_to=None)
    if state == "Disabled":
        raw_kms.disable_key(KeyId=key.key_id)
    else:
        raw_kms.schedule_key_deletion(KeyId=key.key_id, PendingWindowInDays=30)
    with pytest.raises(KeyWrongState, match=state):
        importer.plan(alias)
    assert len(hsm.list_materials(f"byok/{key.key_id}/")) == 1


def test_inventory_lists_imported_keys_with_materials(importer, kms, capsys, endpoint, monkeypatch):
    alias = f"alias/inv-{uuid.uuid4().hex[:8]}"
    key = kms.create_external_key("inventory test", tags={"byok:generation": "1", "byok:next-due": "2027-11-28"})
    kms.create_alias(alias, key.key_id)
    importer.execute(importer.plan(alias), valid_to=None)
    monkeypatch.setenv("BYOK_AWS_ENDPOINT", endpoint.url)
    assert main(["inventory", "--region", "eu-central-1", "--output", "json"]) == 0
    rows = {row["key_id"]: row for row in documented(capsys.readouterr().out, "inventory")["rows"]}
    row = rows[key.key_id]
    assert row["aliases"] == [alias] and row["origin"] == "EXTERNAL" and row["state"] == "Enabled"
    assert row["materials"] == 1 and row["generation"] == "1" and row["next_due"] == "2027-11-28"
