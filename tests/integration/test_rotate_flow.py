"""``byok rotate propose`` then ``byok rotate apply`` for both strategies, on SoftHSM2 and the local KMS.

Terraform's part (creating the next generation's key for an alias swap) is played here by boto3, so this
test isolates byok's own flow; tests/e2e runs the same story with real Terraform.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from byok.cli.main import main
from byok.estate import Binding, EnvironmentState, Generation, GenerationState, ManagedKey
from byok.model import Strategy
from byok.render import read_tfvars, render_tfvars

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@pytest.fixture
def estate(tmp_path, monkeypatch, settings, user_pin, endpoint, kms, importer, request):
    """An estate dir with byok.toml and dev tfvars; g1 of each key is imported as Terraform + byok would."""
    suffix = request.node.name[-6:].strip("_[]").lower().replace("_", "") or "x"
    s3_alias, rds_alias = f"dev-s3-{suffix}", f"dev-rds-{suffix}"
    (tmp_path / "byok.toml").write_text(
        '[estate]\norder = ["dev", "prod"]\n[environments.dev]\n[environments.prod]\n'
        f'window = {{ days = ["{WEEKDAYS[date.today().weekday() - 1]}"], start = "09:00", end = "10:00" }}\n'
    )
    generations = {}
    for alias, name, target in ((s3_alias, "s3", s3_alias), (rds_alias, "rds", f"{rds_alias}-g1")):
        key = kms.create_external_key(f"{alias} g1")
        kms.create_alias(f"alias/{target}", key.key_id)
        if target != alias:
            kms.create_alias(f"alias/{alias}", key.key_id)
        outcome = importer.execute(importer.plan(f"alias/{target}", label=f"byok/dev/{name}/g1"), valid_to=None)
        generations[name] = Generation(
            1, GenerationState.ACTIVE, date(2025, 1, 1), outcome.material_id, outcome.check_value
        )
    state = EnvironmentState(
        "dev",
        (
            ManagedKey("s3", s3_alias, Strategy.IN_PLACE, 365, "", (generations["s3"],)),
            ManagedKey("rds", rds_alias, Strategy.ALIAS_SWAP, 365, "", (generations["rds"],)),
        ),
        (Binding("bucket", "s3"), Binding("db", "rds", 1)),
    )
    for env in ("dev", "prod"):
        path = tmp_path / "terraform" / env / "byok.auto.tfvars"
        path.parent.mkdir(parents=True)
        path.write_text(render_tfvars(EnvironmentState(env, state.keys, state.bindings)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BYOK_HSM_PIN", user_pin)
    monkeypatch.setenv("BYOK_TOKEN_LABEL", settings.token_label)
    monkeypatch.setenv("BYOK_AWS_ENDPOINT", endpoint.url)
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    return tmp_path, s3_alias, rds_alias


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
    steps = {row["key"]: row["steps"] for row in json.loads(out)["rows"]}
    assert steps["s3"].startswith("generate, get-parameters, wrap, import, rotate")
    assert "rotate" not in steps["rds"]

    old_s3 = kms.describe(f"alias/{s3_alias}").current_material_id
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 0, err
    rows = {row["key"]: row for row in json.loads(out)["rows"]}
    assert rows["s3"]["canaries"] == "2 ok" and rows["rds"]["canaries"] == "2 ok"

    after = read_tfvars(tfvars)
    s3, rds = after.key("s3"), after.key("rds")
    assert [g.state for g in s3.generations] == [GenerationState.RETIRING, GenerationState.ACTIVE]
    assert s3.active.material_id == kms.describe(f"alias/{s3_alias}").current_material_id != old_s3
    assert rds.active.material_id == kms.describe(f"alias/{rds_alias}-g2").current_material_id
    assert rds.active.check_value == rows["rds"]["check value"]
    assert kms.describe(f"alias/{rds_alias}").key_id != new_key.key_id  # Terraform moves the alias, not byok

    before_second = tfvars.read_text()
    code, out, _ = byok(capsys, "rotate", "apply", "--env", "dev")
    assert code == 0 and "nothing to apply" in out
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
        return {row["key"]: (row["phase"], row["pending"]) for row in json.loads(out)["rows"]}

    assert phases() == {"s3": ("OVERDUE", None), "rds": ("OVERDUE", None)}
    byok(capsys, "rotate", "propose", "--env", "dev")
    assert phases() == {"s3": ("proposed: waiting for apply", "g2"), "rds": ("proposed: waiting for apply", "g2")}
