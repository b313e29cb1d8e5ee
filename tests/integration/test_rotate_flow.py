"""``byok rotate propose`` then ``byok rotate apply`` for both strategies, on SoftHSM2 and the local KMS.

Terraform's part (creating the next generation's key for an alias swap) is played here by boto3, so this
test isolates byok's own flow; tests/e2e runs the same story with real Terraform.
"""

from __future__ import annotations

from byok.cli.main import main
from byok.estate import GenerationState
from byok.render import read_tfvars
from support.output_schema import documented


def byok(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_propose_then_apply_both_strategies_and_apply_again_changes_nothing(estate, capsys, kms):
    root, s3_alias, rds_alias = estate
    tfvars = root / "terraform" / "dev" / "byok.auto.tfvars"
    code, out, _ = byok(capsys, "rotate", "propose", "--env", "dev", "--dry-run")
    assert code == 0 and '+      "2" = { state = "pending"' in out
    assert read_tfvars(tfvars).key("s3").pending is None  # dry run wrote nothing

    code, out, err = byok(capsys, "rotate", "propose", "--env", "dev")
    assert code == 0, err
    assert "s3 -> g2" in out and "rds -> g2" in out
    assert "| rds | `alias/" in (root / ".byok" / "pr" / "dev.md").read_text()

    # Terraform applies the merged PR: the alias-swap generation gets its own key, still PendingImport.
    new_key = kms.create_external_key(f"{rds_alias} g2")
    kms.create_alias(f"alias/{rds_alias}-g2", new_key.key_id)

    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--dry-run", "--output", "json")
    assert code == 0, err
    steps = {row["key"]: row["steps"] for row in documented(out, "rotate_apply_plan")["rows"]}
    assert steps["s3"][:5] == ["generate", "get-parameters", "wrap", "import", "rotate"]
    assert "rotate" not in steps["rds"]

    old_s3 = kms.describe(f"alias/{s3_alias}").current_material_id
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 0, err
    rows = {row["key"]: row for row in documented(out, "rotate_apply")["rows"]}
    assert rows["s3"]["canaries_ok"] == 2 and rows["rds"]["canaries_ok"] == 2

    after = read_tfvars(tfvars)
    s3, rds = after.key("s3"), after.key("rds")
    assert [g.state for g in s3.generations] == [GenerationState.RETIRING, GenerationState.ACTIVE]
    assert s3.active.material_id == kms.describe(f"alias/{s3_alias}").current_material_id != old_s3
    assert rds.active.material_id == kms.describe(f"alias/{rds_alias}-g2").current_material_id
    assert rds.active.check_value == rows["rds"]["check_value"]
    assert kms.describe(f"alias/{rds_alias}").key_id != new_key.key_id  # Terraform moves the alias, not byok

    before_second = tfvars.read_text()
    code, out, _ = byok(capsys, "rotate", "apply", "--env", "dev")
    assert code == 0 and "nothing to apply" in out
    code, out, _ = byok(capsys, "rotate", "apply", "--env", "dev", "-o", "json")
    nothing = documented(out, "rotate_apply")
    assert (code, nothing["kind"], nothing["rows"]) == (0, "rotate_apply", [])
    assert nothing["notes"] == ["nothing to apply in dev: no pending generation"]
    assert tfvars.read_text() == before_second
    assert len(kms.list_materials(f"alias/{s3_alias}")) == 2


def test_prod_waits_for_dev_and_for_its_window(estate, capsys):
    code, out, err = byok(capsys, "rotate", "propose", "--env", "dev", "--key", "s3")
    assert code == 0, err
    code, _, err = byok(capsys, "rotate", "propose", "--env", "prod")
    assert code == 6 and "dev still has rotations in flight (rds, s3)" in err
    code, _, err = byok(capsys, "rotate", "apply", "--env", "prod")
    assert code == 6 and "outside its maintenance window" in err and "next window opens" in err


def test_status_shows_phase_per_key(estate, capsys):
    def phases() -> dict[str, tuple[str, str | None]]:
        code, out, _ = byok(capsys, "rotate", "status", "--env", "dev", "--output", "json")
        assert code == 0
        return {row["key"]: (row["phase"], row["pending"]) for row in documented(out, "rotate_status")["rows"]}

    assert phases() == {"s3": ("OVERDUE", None), "rds": ("OVERDUE", None)}
    byok(capsys, "rotate", "propose", "--env", "dev")
    assert phases() == {"s3": ("proposed: waiting for apply", "g2"), "rds": ("proposed: waiting for apply", "g2")}
