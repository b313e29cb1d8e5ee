"""``rotate verify`` diagnoses before it advises, ``--rollback`` previews and asks, an interrupt says a re-run resumes.

The real ``byok`` runs against a copy of the repository's dev estate whose keys exist in the local endpoint as
Terraform would create them (aliases made unique per test), with SoftHSM2 behind every import.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from byok.demo import copy_estate
from byok.render import read_tfvars

BYOK = str(Path(sys.executable).with_name("byok"))
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def estate(tmp_path, kms_client):
    """The dev estate with its keys created in KMS the way `terraform apply` creates them (no material yet)."""
    root = copy_estate(REPO, tmp_path / "estate")
    tfvars = root / "terraform" / "dev" / "byok.auto.tfvars"
    suffix = uuid.uuid4().hex[:6]
    tfvars.write_text(tfvars.read_text().replace('alias        = "dev-', f'alias        = "dev{suffix}-'))
    for key in read_tfvars(tfvars).keys:
        key_id = kms_client.create_key(Origin="EXTERNAL", Description=key.alias)["KeyMetadata"]["KeyId"]
        kms_client.create_alias(AliasName=f"alias/{key.alias}", TargetKeyId=key_id)
        if key.strategy.value == "alias-swap":
            kms_client.create_alias(AliasName=f"alias/{key.alias}-g1", TargetKeyId=key_id)
    return root


@pytest.fixture
def byok_in(estate, estate_env):
    def run(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [BYOK, *args],
            cwd=estate,
            env={**estate_env, **env},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    return run


def error_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_verify_advises_the_follow_up_apply_not_a_rollback_and_rollback_previews_and_asks(byok_in, estate, kms_client):
    tfvars = estate / "terraform" / "dev" / "byok.auto.tfvars"
    assert byok_in("rotate", "apply", "--env", "dev").returncode == 0
    fine = byok_in("rotate", "verify", "--env", "dev", "--rollback")
    assert fine.returncode == 0 and "every key verified, nothing to roll back" in fine.stdout

    assert byok_in("rotate", "propose", "--env", "dev", "--key", "s3").returncode == 0
    s3 = read_tfvars(tfvars).key("s3")
    g2 = kms_client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]  # what the merge's terraform apply creates
    kms_client.create_alias(AliasName=f"alias/{s3.alias}-g2", TargetKeyId=g2)
    assert byok_in("rotate", "apply", "--env", "dev").returncode == 0

    pending = byok_in("rotate", "verify", "--env", "dev", "-o", "json")
    assert pending.returncode == 1
    assert error_line(pending) == (
        "byok: error: 1 key(s) in dev did not verify: s3 -> alias not moved yet: run the follow-up "
        "`byok terraform apply --env dev` (it moves the alias), then verify again"
    )
    rows = {row["key"]: row for row in json.loads(pending.stdout)["rows"]}
    assert rows["s3"]["problems"][0].startswith("alias not moved yet: alias/") and rows["rds"]["ok"] is True
    recorded = tfvars.read_bytes()
    refused = byok_in("rotate", "verify", "--env", "dev", "--rollback", "--yes")
    assert refused.returncode == 1 and "nothing rolled back" in refused.stdout
    assert tfvars.read_bytes() == recorded, "a rollback was written for an alias that only had to be moved"

    kms_client.update_alias(AliasName=f"alias/{s3.alias}", TargetKeyId=g2)  # the follow-up terraform apply
    assert byok_in("rotate", "verify", "--env", "dev").returncode == 0

    g1 = kms_client.describe_key(KeyId=f"alias/{s3.alias}-g1")["KeyMetadata"]["KeyId"]
    kms_client.delete_imported_key_material(KeyId=g1)  # old data no longer decrypts: a real failure
    broken = byok_in("rotate", "verify", "--env", "dev", "--rollback", "--dry-run")
    assert broken.returncode == 1 and "canary fails: alias swap: `--rollback`" in error_line(broken)
    assert (
        '-      "1" = { state = "retiring"' in broken.stderr and "would make the previous generation" in broken.stdout
    )
    assert tfvars.read_bytes() == recorded
    declined = byok_in("rotate", "verify", "--env", "dev", "--rollback", stdin="n\n")
    assert declined.returncode == 1 and "nothing was changed" in error_line(declined)
    assert tfvars.read_bytes() == recorded
    confirmed = byok_in("rotate", "verify", "--env", "dev", "--rollback", stdin="y\n")
    assert confirmed.returncode == 1 and "rolled back s3 in" in confirmed.stdout
    back = read_tfvars(tfvars).key("s3")
    assert [(g.number, g.state.value) for g in back.generations] == [(1, "active"), (2, "retiring")]


def test_an_interrupted_apply_says_a_rerun_resumes_and_the_rerun_finishes(byok_in):
    interrupted = byok_in("rotate", "apply", "--env", "dev", BYOK_FAILPOINTS="rds:wrap=interrupt")
    assert interrupted.returncode == 130, interrupted.stderr
    assert error_line(interrupted) == (
        "byok: error: `byok rotate apply` was interrupted (SIGINT); every step it finished is recorded -> "
        "run `byok rotate apply` again with the same options: it resumes where this run stopped"
    )
    resumed = byok_in("rotate", "apply", "--env", "dev", "-o", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert "rds" in {row["key"] for row in json.loads(resumed.stdout)["rows"]}  # others may have finished before
    status = json.loads(byok_in("rotate", "status", "--env", "dev", "-o", "json").stdout)["rows"]
    assert {row["phase"] for row in status} == {"ok"}
    assert byok_in("audit", "verify").returncode == 0


def test_a_bug_exits_70_with_and_without_byok_debug(byok_in):
    for debug in ("", "1"):
        result = byok_in(
            "rotate", "apply", "--env", "dev", "-o", "json", BYOK_FAILPOINTS="s3:generate=bug", BYOK_DEBUG=debug
        )
        assert result.returncode == 70, result.stderr
        # keys rotate concurrently: a bug fails its key (named in the table) and the others go on
        assert re.match(r"byok: error: 1 of \d+ key\(s\) in dev failed: s3 -> ", error_line(result))
        assert "a bug in byok: rerun with BYOK_DEBUG=1" in error_line(result)
        failed = {row["key"]: row["result"] for row in json.loads(result.stdout)["rows"]}["s3"]
        assert failed == "FAILED: RuntimeError: failpoint s3:generate: an injected bug"
        assert ("Traceback" in result.stderr) == bool(debug)


def test_a_fresh_environment_awaits_its_first_import_and_propose_explains_key(byok_in):
    status = json.loads(byok_in("rotate", "status", "--env", "dev", "-o", "json").stdout)["rows"]
    assert {row["phase"] for row in status} == {"awaiting first import"}
    nothing = byok_in("rotate", "propose", "--env", "dev")
    assert nothing.returncode == 0
    assert "await their first import: run `byok rotate apply --env dev`" in nothing.stdout
    assert "to rotate a key before it is due: `byok rotate propose --env dev --key NAME`" in nothing.stdout


def test_retirement_can_be_tried_in_the_sandbox_by_moving_its_clock(byok_in, estate, kms_client, endpoint):
    """Grace periods run on KMS's clock (the Date of its answers), which `byok sandbox clock` moves.

    The journal stamps real time, so once the sandbox is a month ahead, the material deleted "now" is already
    past its grace too: the next stage (drop from the tfvars) is allowed without moving the clock again."""
    plugins = {"BYOK_TERRAFORM_PLUGIN_DIR": str(REPO / ".cache" / "terraform-plugins")}
    assert byok_in("rotate", "apply", "--env", "dev").returncode == 0
    assert byok_in("rotate", "propose", "--env", "dev", "--key", "s3").returncode == 0
    s3 = read_tfvars(estate / "terraform" / "dev" / "byok.auto.tfvars").key("s3")
    g2 = kms_client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    kms_client.create_alias(AliasName=f"alias/{s3.alias}-g2", TargetKeyId=g2)
    assert byok_in("rotate", "apply", "--env", "dev").returncode == 0  # its canaries just used g1
    retire = ("retire", "--env", "dev", "--key", "s3", "--generation", "1")
    try:
        recent = byok_in(*retire, "--dry-run", **plugins)
        assert recent.returncode == 6 and "within the 30-day grace" in error_line(recent)
        assert byok_in("sandbox", "clock", "--advance", "31d").returncode == 0
        allowed = byok_in(*retire, **plugins)
        assert allowed.returncode == 0, allowed.stderr
        assert "next stage for s3 g1: delete-material" in allowed.stdout and "material deleted" in allowed.stdout
        dropped = byok_in(*retire, "--dry-run", **plugins)
        assert dropped.returncode == 0 and "next stage for s3 g1: drop-from-tfvars" in dropped.stdout
    finally:
        assert byok_in("sandbox", "clock", "--reset").returncode == 0
