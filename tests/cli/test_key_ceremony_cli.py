"""Key-ceremony mode through the real CLI: two people, two PINs, and neither PIN in any output.

The key's owner runs ``material import``: it stops after GetParametersForImport (exit 6) and prints the wrapping
key's fingerprint. The security officer runs ``hsm approve-wrapping-key`` with BYOK_HSM_SO_PIN_FILE; the owner's
re-run then imports within the 24 h validity, and the trusted objects are gone afterwards.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.needs("trusted-wrapping")


def test_import_waits_for_the_security_officer_then_completes(byok, ceremony_env, external_key, token):
    env, so_pin_file = ceremony_env
    client, alias, key_id = external_key
    stopped = byok("material", "import", "--key", alias, env=env, check=False)
    assert stopped.returncode == 6, stopped.stderr
    line = stopped.stderr.strip().splitlines()[-1]
    assert "key-ceremony mode" in line and "approve-wrapping-key" in line and "wrapping key RSA_4096" in line
    arn, fingerprint = re.search(r"--key (\S+) --fingerprint ([0-9a-f]{64})", line).groups()
    assert arn.endswith(key_id) and client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"

    no_so_pin = byok("hsm", "approve-wrapping-key", "--key", arn, "--fingerprint", fingerprint, env=env, check=False)
    assert no_so_pin.returncode == 3 and "BYOK_HSM_SO_PIN_FILE" in no_so_pin.stderr
    officer = {**env, "BYOK_HSM_SO_PIN_FILE": str(so_pin_file)}
    officer.pop("BYOK_HSM_PIN_FILE")  # the SO step needs the SO PIN only
    wrong = byok("hsm", "approve-wrapping-key", "--key", arn, "--fingerprint", "0" * 64, env=officer, check=False)
    assert wrong.returncode == 3 and "do not approve" in wrong.stderr
    approved = byok(
        "hsm", "approve-wrapping-key", "--key", arn, "--fingerprint", fingerprint, "-o", "json", env=officer
    )
    approval = json.loads(approved.stdout)
    assert approval["fingerprint"] == fingerprint and approval["wrapping_key_spec"] == "RSA_4096"
    assert approval["approved"] is True

    done = json.loads(byok("material", "import", "--key", alias, "-o", "json", env=env).stdout)
    assert done["state"] == "CURRENT" and "generate" not in done["steps"]
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    journal = Path(env["BYOK_CONFIG"]).parent / ".byok" / "journal.jsonl"
    events = [json.loads(line)["event"] for line in journal.read_text().splitlines()]
    assert "wrapping-key-approved" in events and events[-2] == "material-imported"
    generated = next(json.loads(line) for line in journal.read_text().splitlines() if "material-generated" in line)
    assert generated["detail"].endswith("key-ceremony mode (CKA_WRAP_WITH_TRUSTED)")
    assert not list((journal.parent / "pending-imports").glob(f"{key_id}@*.json"))  # the approval served once
    for result in (stopped, no_so_pin, wrong, approved):
        assert token.so_pin not in result.stdout + result.stderr and token.user_pin not in result.stdout + result.stderr
    assert token.so_pin not in journal.read_text() and token.user_pin not in journal.read_text()


def test_probe_shows_the_mode_and_check_values(byok, token):
    probe = json.loads(byok("hsm", "probe", "-o", "json").stdout)
    assert probe["trusted_wrapping"] is True and probe["trusted_wrapping_detail"].startswith("enforced")
    assert probe["check_values"] is True


def _approve(byok, env, so_pin_file, stopped) -> None:
    """The security officer approves the wrapping key the stopped run printed."""
    line = stopped.stderr.strip().splitlines()[-1]
    arn, fingerprint = re.search(r"--key (\S+) --fingerprint ([0-9a-f]{64})", line).groups()
    officer = {**env, "BYOK_HSM_SO_PIN_FILE": str(so_pin_file)}
    officer.pop("BYOK_HSM_PIN_FILE")
    byok("hsm", "approve-wrapping-key", "--key", arn, "--fingerprint", fingerprint, env=officer)


def test_a_late_replica_waits_for_its_own_approval_which_persists_between_runs(byok, ceremony_env, kms_client):
    env, so_pin_file = ceremony_env
    key_id = kms_client.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]["KeyId"]
    stopped = byok("material", "import", "--key", key_id, env=env, check=False)
    assert stopped.returncode == 6, stopped.stderr
    _approve(byok, env, so_pin_file, stopped)
    byok("material", "import", "--key", key_id, env=env)
    kms_client.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")  # added after the key has material

    waiting = byok("material", "sync-replicas", "--key", key_id, env=env, check=False)
    assert waiting.returncode == 6, waiting.stderr
    assert ":eu-west-1:" in waiting.stderr.strip().splitlines()[-1]  # the replica's own wrapping key
    pending = Path(env["BYOK_CONFIG"]).parent / ".byok" / "pending-imports"
    assert len(list(pending.iterdir())) == 1  # its parameters, kept until the officer approved them
    _approve(byok, env, so_pin_file, waiting)

    done = json.loads(byok("material", "sync-replicas", "--key", key_id, "-o", "json", env=env).stdout)
    assert [(row["region"], row["imported"]) for row in done["rows"]] == [("eu-west-1", True)]
    assert list(pending.iterdir()) == []
    replica = json.loads(byok("material", "list", "--key", key_id, "-o", "json", env=env).stdout)
    assert "replica eu-west-1: same materials as the primary, all imported" in replica["notes"]
