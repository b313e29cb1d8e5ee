"""Key-ceremony mode through ``byok rotate apply``: the owner's run stops, the security officer approves, the re-run
imports under exactly the approved wrapping keys, and the trusted objects are gone afterwards.

Single-Region (both strategies) and multi-Region (the primary and each replica have their own wrapping key and
import token, hence their own approval, kept between runs). SoftHSM2 only by capability: opencryptoki 3.8.1
refuses CKA_WRAP_WITH_TRUSTED (the id says so).
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import PyKCS11
import pytest

from byok.cli.main import main
from byok.estate import ManagedKey
from byok.hsm import Pkcs11Hsm
from byok.hsm.trusted import fingerprint
from byok.model import KeyState
from byok.render import read_tfvars, render_tfvars
from byok.rotation.planner import propose
from byok.sandbox import clock
from support.approvals import approve_in_own_process, import_parameters
from support.multi_region import PRIMARY, REPLICAS

pytestmark = pytest.mark.needs("trusted-wrapping")

BYOK = str(Path(sys.executable).with_name("byok"))
APPROVE = re.compile(r"approve-wrapping-key --key (\S+) --fingerprint ([0-9a-f]{64})")
CEREMONY = '[material]\ntrusted_wrapping = "required"\n'


def byok(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def apply(capsys) -> tuple[int, list[dict]]:
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert out, err
    return code, json.loads(out)["rows"]


def ceremony_on(root: Path) -> None:
    """The estate's byok.toml with its opt-out replaced by the required mode."""
    config = root / "byok.toml"
    text = config.read_text()
    config.write_text(text[: text.index("[material]")] + CEREMONY)


@pytest.fixture
def officer(tmp_path, token):
    """The security officer, in a process of their own, with only the SO PIN (a 0600 file, never argv)."""
    so_pin_file = tmp_path / "officer" / "so-pin"
    so_pin_file.parent.mkdir()
    so_pin_file.write_text(token.so_pin)
    so_pin_file.chmod(0o600)
    env = {name: value for name, value in os.environ.items() if name not in ("BYOK_HSM_PIN", "BYOK_HSM_PIN_FILE")}
    env["BYOK_HSM_SO_PIN_FILE"] = str(so_pin_file)

    def approve(arn: str, expected: str, *, ok: bool = True) -> subprocess.CompletedProcess:
        command = [BYOK, "hsm", "approve-wrapping-key", "--key", arn, "--fingerprint", expected, "-o", "json"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert (done.returncode == 0) == ok, done.stderr
        assert token.so_pin not in done.stdout + done.stderr
        return done

    return approve


def waiting_approvals(rows: list[dict]) -> list[tuple[str, str]]:
    """(key ARN, fingerprint) pairs, as the stopped run printed them for the security officer."""
    return [pair for row in rows for pair in APPROVE.findall(row["result"])]


def pending_files(root: Path) -> dict[str, dict]:
    directory = root / ".byok" / "pending-imports"
    found = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else ():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        found[path.name] = json.loads(path.read_text())
    return found


def trusted_objects(settings, user_pin) -> list:
    with Pkcs11Hsm.open(settings, user_pin) as hsm:
        return list(hsm._connection.run(lambda session: session.findObjects([(PyKCS11.CKA_TRUSTED, True)])))


def journal_of(root: Path) -> list[dict]:
    return [json.loads(line) for line in (root / ".byok" / "journal.jsonl").read_text().splitlines()]


def merged_rotation_in_ceremony_mode(estate, kms):
    """The estate in required key-ceremony mode with a merged rotation PR: its tfvars and the RDS key's g2."""
    root, _, rds_alias = estate
    ceremony_on(root)
    tfvars = root / "terraform" / "dev" / "byok.auto.tfvars"
    tfvars.write_text(render_tfvars(propose(read_tfvars(tfvars), clock.now().date(), 30).after))
    g2 = kms.create_external_key(f"{rds_alias} g2")  # as the merged PR's terraform apply creates it
    kms.create_alias(f"alias/{rds_alias}-g2", g2.key_id)
    return tfvars, g2


def test_rotate_apply_waits_for_the_security_officer_then_imports_within_the_token_validity(
    estate, kms, capsys, officer, settings, user_pin, token
):
    root, s3_alias, _ = estate
    tfvars, g2 = merged_rotation_in_ceremony_mode(estate, kms)
    s3_key = kms.describe(f"alias/{s3_alias}")

    code, rows = apply(capsys)
    assert code == 6 and {row["key"] for row in rows} == {"s3", "rds"}
    assert all(row["result"].startswith("FAILED: ") and "key-ceremony mode" in row["result"] for row in rows)
    assert all("wrapping key RSA_4096" in row["result"] for row in rows)
    approvals = dict(waiting_approvals(rows))
    assert set(approvals) == {s3_key.arn, g2.arn}
    kept = {document["key_arn"]: document for document in pending_files(root).values()}
    assert set(kept) == set(approvals)
    for arn, expected in approvals.items():  # what the owner was shown is the key the KMS parameters hold
        assert fingerprint(base64.b64decode(kept[arn]["public_key"])) == expected
    assert len(kms.list_materials(s3_key.arn)) == 1  # nothing imported yet: stopped after GetParametersForImport
    assert kms.describe(g2.arn).state == KeyState.PENDING_IMPORT
    with Pkcs11Hsm.open(settings, user_pin) as hsm:
        made = {material.label: material for material in hsm.list_materials("byok/dev/")}
    assert made[f"byok/dev/s3/g2/{s3_key.key_id}"].wrap_with_trusted
    assert made[f"byok/dev/rds/g2/{g2.key_id}"].wrap_with_trusted

    for arn, expected in approvals.items():
        approval = json.loads(officer(arn, expected).stdout)
        assert (approval["key_arn"], approval["fingerprint"], approval["approved"]) == (arn, expected, True)
        assert approval["wrapping_key_spec"] == "RSA_4096"
    assert len(trusted_objects(settings, user_pin)) >= 2

    code, rows = apply(capsys)
    assert code == 0 and {row["result"] for row in rows} == {"ok"}, rows
    state = read_tfvars(tfvars)
    assert {key.name: key.active.number for key in state.keys} == {"s3": 2, "rds": 2}
    assert kms.describe(f"alias/{s3_alias}").current_material_id == state.key("s3").active.material_id
    assert trusted_objects(settings, user_pin) == []  # each approval served its one import and is gone
    assert pending_files(root) == {}

    records = journal_of(root)
    stops = [r for r in records if r["event"] == "key-failed"]
    assert sorted(r["key"] for r in stops) == ["rds", "s3"] and all("key-ceremony mode" in r["detail"] for r in stops)
    for arn in approvals:
        events = [r["event"] for r in records if r.get("key") == arn]
        assert events.count("parameters-fetched") == 1, events  # the re-run wrapped under the approved key
        assert events.index("parameters-fetched") < events.index("wrapping-key-approved"), events
        assert events.index("wrapping-key-approved") < events.index("material-wrapped"), events
        assert {"material-generated", "material-imported", "verified", "tfvars-updated"} <= set(events), events
        (imported,) = [r for r in records if r.get("key") == arn and r["event"] == "material-imported"]
        assert re.search(r"approval used once: [12] trusted object\(s\) destroyed$", imported["detail"]), imported
    text = (root / ".byok" / "journal.jsonl").read_text()
    assert token.so_pin not in text and token.user_pin not in text


def test_rotate_apply_destroys_an_approval_whose_import_token_expired(
    estate, kms, capsys, settings, user_pin, token, tmp_path
):
    """A rotation abandoned after its approval: the next run touching the token destroys it and journals that."""
    root, s3_alias, _ = estate
    merged_rotation_in_ceremony_mode(estate, kms)
    abandoned = import_parameters(kms.describe(f"alias/{s3_alias}").arn, datetime.now(UTC) - timedelta(hours=1))
    so_pin_file = tmp_path / "so-pin"
    so_pin_file.write_text(token.so_pin)
    so_pin_file.chmod(0o600)
    approve_in_own_process(abandoned, token, so_pin_file)
    assert len(trusted_objects(settings, user_pin)) == 2  # the trusted KMS public key and the ephemeral AES key

    code, _, err = byok(capsys, "rotate", "apply", "--env", "dev", "--dry-run")
    assert code == 0 and "would destroy 2 trusted wrapping object(s) that can no longer serve" in err, err
    assert len(trusted_objects(settings, user_pin)) == 2
    assert not (root / ".byok" / "journal.jsonl").exists()  # a dry run journals nothing

    code, rows = apply(capsys)
    assert code == 6 and all("key-ceremony mode" in row["result"] for row in rows), rows  # it waits for its own
    assert trusted_objects(settings, user_pin) == []
    destroyed = [r for r in journal_of(root) if r["event"] == "wrapping-approval-destroyed"]
    assert [r["key"] for r in destroyed] == [abandoned.key_arn] * 2
    assert all("expired" in r["detail"] and "found by rotate apply dev" in r["detail"] for r in destroyed)
    assert fingerprint(abandoned.public_key_der)[:24] in destroyed[0]["detail"]
    assert len(pending_files(root)) == 2  # the stopped run's own parameters stay for the security officer


def test_a_multi_region_rotation_asks_for_each_replicas_approval_and_keeps_it_between_runs(
    multi_region, capsys, officer, settings, user_pin
):
    root, tfvars, key_id, clients = multi_region
    ceremony_on(root)
    primary, *replicas = clients

    code, rows = apply(capsys)
    assert code == 6
    (stopped,) = waiting_approvals(rows)
    assert stopped[0] == clients[primary].describe(key_id).arn
    officer(*stopped)

    code, rows = apply(capsys)  # the primary imports; then every replica stops for its own wrapping key
    assert code == 6
    waiting = dict(waiting_approvals(rows))
    replica_arns = {clients[region].describe(key_id).arn for region in replicas}
    assert set(waiting) == replica_arns and len(set(waiting.values())) == len(replicas)
    assert {document["key_arn"] for document in pending_files(root).values()} == replica_arns
    assert sorted(pending_files(root)) == sorted(f"{key_id}@{region}.json" for region in replicas)
    ambiguous = officer(key_id, "0" * 64, ok=False)  # a bare key ID names no region here
    assert ambiguous.returncode == 3 and "several regions" in ambiguous.stderr and "the key ARN" in ambiguous.stderr
    for arn, expected in waiting.items():
        officer(arn, expected)

    code, rows = apply(capsys)
    assert code == 0 and rows[0]["result"] == "ok" and rows[0]["canaries_ok"] == 1 + len(replicas), rows
    active = read_tfvars(tfvars).key("dr").active
    for region, kms in clients.items():
        key = kms.describe(key_id)
        assert (key.state, key.current_material_id) == (KeyState.ENABLED, active.material_id), region
    assert trusted_objects(settings, user_pin) == [] and pending_files(root) == {}
    records = journal_of(root)
    for arn in replica_arns:
        events = [r["event"] for r in records if r.get("key") == arn]
        assert events.count("parameters-fetched") == 1 and "material-imported" in events, events
        (imported,) = [r for r in records if r.get("key") == arn and r["event"] == "material-imported"]
        assert "trusted object(s) destroyed" in imported["detail"] and imported["detail"].startswith("replica in ")


@pytest.fixture
def without_replicas(multi_region_estate):
    """A multi-Region key with no replica yet, its environment set before ``officer`` copies it."""
    return multi_region_estate(PRIMARY, (), "ceremony backfill", regions=REPLICAS)


def test_a_replica_backfill_asks_every_late_replica_for_its_approval_in_one_run(
    without_replicas, capsys, officer, settings, user_pin
):
    made = without_replicas
    ceremony_on(made.root)  # the material is generated CKA_WRAP_WITH_TRUSTED: every wrap needs an approval
    code, rows = apply(capsys)
    assert code == 6
    officer(*waiting_approvals(rows)[0])
    code, rows = apply(capsys)  # the first material, into the primary alone (no replica yet)
    assert code == 0, rows
    for region in REPLICAS:  # two DR Regions added later: both lack the material
        made.raw.replicate_key(KeyId=made.key_id, ReplicaRegion=region)

    code, _, err = byok(capsys, "material", "sync-replicas", "--key", made.key_id)

    assert code == 6, err
    waiting = dict(APPROVE.findall(err))
    replica_arns = {made.clients[region].describe(made.key_id).arn for region in REPLICAS}
    assert set(waiting) == replica_arns and len(set(waiting.values())) == len(REPLICAS)
    assert sorted(pending_files(made.root)) == sorted(f"{made.key_id}@{region}.json" for region in REPLICAS)
    for arn, expected in waiting.items():  # one sitting
        officer(arn, expected)

    code, _, err = byok(capsys, "material", "sync-replicas", "--key", made.key_id)

    assert code == 0, err
    current = made.clients[PRIMARY].describe(made.key_id).current_material_id
    for region in REPLICAS:
        key = made.clients[region].describe(made.key_id)
        assert (key.state, key.current_material_id) == (KeyState.ENABLED, current), region
    assert trusted_objects(settings, user_pin) == [] and pending_files(made.root) == {}


@pytest.fixture
def one_replica(multi_region_estate):
    """A multi-Region key with one replica, a second Region to add later; environment set before ``officer``."""
    return multi_region_estate(PRIMARY, REPLICAS[:1], "ceremony late replica", regions=REPLICAS[1:])


def test_rotate_apply_asks_the_late_replicas_backfill_and_the_other_replicas_import_in_one_run(
    one_replica, capsys, officer
):
    made, (first, late) = one_replica, REPLICAS
    ceremony_on(made.root)
    for _ in range(2):  # g1: the primary's approval, then the replica's
        code, rows = apply(capsys)
        assert code == 6, rows
        officer(*waiting_approvals(rows)[0])
    assert apply(capsys)[0] == 0
    made.raw.replicate_key(KeyId=made.key_id, ReplicaRegion=late)  # lacks g1
    state = read_tfvars(made.tfvars)
    key = state.key("dr")
    state = state.with_key(ManagedKey(**{**key.__dict__, "replica_regions": REPLICAS}))
    made.tfvars.write_text(render_tfvars(propose(state, date.today(), 30, force_keys=("dr",)).after))
    code, rows = apply(capsys)  # g2: the primary's approval first
    assert code == 6
    officer(*waiting_approvals(rows)[0])

    code, rows = apply(capsys)  # the primary imports g2; the late replica's backfill and the first replica wait

    assert code == 6
    waiting = dict(waiting_approvals(rows))
    assert set(waiting) == {made.clients[region].describe(made.key_id).arn for region in REPLICAS}
    for arn, expected in waiting.items():
        officer(arn, expected)
    code, rows = apply(capsys)  # the late replica took g1 and asks once more, for g2 (an approval serves one wrap)
    assert code == 6
    (stopped,) = waiting_approvals(rows)
    assert stopped[0] == made.clients[late].describe(made.key_id).arn
    officer(*stopped)
    code, rows = apply(capsys)
    assert code == 0 and rows[0]["canaries_ok"] == 2 + len(REPLICAS), rows  # g1 canary, fresh, each replica
    current = made.clients[PRIMARY].describe(made.key_id).current_material_id
    for region in (first, late):
        assert made.clients[region].describe(made.key_id).current_material_id == current, region
