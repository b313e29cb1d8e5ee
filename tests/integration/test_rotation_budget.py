"""The rotation budget: 25 on-demand rotations in a key's life, counted from KMS, never overrun by byok.

The local endpoint refuses the 26th rotation as KMS does (LimitExceededException); byok must see it coming:
status and the PR show what is left, propose turns a spent key's next generation into an alias swap to a new
key, and apply refuses a rotation in place that would be the 26th before the HSM or KMS change anything.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from byok.cli.main import main
from byok.estate import Generation, GenerationState
from byok.model import Strategy
from byok.render import read_tfvars, render_tfvars
from byok.rotation.budget import MAX_ON_DEMAND_ROTATIONS, rotations_used
from byok.sandbox import clock


def byok(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def spent(estate, importer, kms):
    """The estate's in-place key s3 after 25 rotations (made directly, as another tool could have)."""
    root, s3_alias, rds_alias = estate
    for _ in range(MAX_ON_DEMAND_ROTATIONS):
        importer.execute(importer.plan(f"alias/{s3_alias}"), valid_to=None)
    assert rotations_used(kms.list_materials(f"alias/{s3_alias}")) == MAX_ON_DEMAND_ROTATIONS
    yield root, s3_alias, rds_alias
    clock.reset()


def test_status_shows_what_is_left_and_a_spent_key_is_proposed_as_an_alias_swap(spent, capsys):
    root, s3_alias, _ = spent
    code, out, err = byok(capsys, "rotate", "status", "--env", "dev", "--output", "json")
    assert code == 0, err
    left = {row["key"]: row["rotations_left"] for row in json.loads(out)["rows"]}
    assert left == {"s3": "0/25", "rds": None}  # alias swap: every generation is a fresh key

    code, out, err = byok(capsys, "rotate", "propose", "--env", "dev", "--key", "s3")
    assert code == 0, err
    s3 = read_tfvars(root / "terraform" / "dev" / "byok.auto.tfvars").key("s3")
    assert s3.strategy == Strategy.IN_PLACE and s3.pending.strategy == Strategy.ALIAS_SWAP
    text = (root / ".byok" / "pr" / "dev.md").read_text()
    assert f"| s3 | `alias/{s3_alias}` | alias-swap | 1 -> 2 | 25 of 25 |" in text
    assert "rotation budget spent (25 of 25): alias swap to a new key" in text


def test_the_alias_swap_of_a_spent_key_imports_into_the_new_key(spent, capsys, kms):
    root, s3_alias, rds_alias = spent
    byok(capsys, "rotate", "propose", "--env", "dev")  # rds is due too
    for alias in (s3_alias, rds_alias):  # what terraform apply creates for the new generations
        created = kms.create_external_key(f"{alias} g2")
        kms.create_alias(f"alias/{alias}-g2", created.key_id)
    new_key = kms.describe(f"alias/{s3_alias}-g2")
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 0, err
    row = {row["key"]: row for row in json.loads(out)["rows"]}["s3"]
    assert (row["strategy"], row["canaries_ok"]) == ("alias-swap", 2)
    s3 = read_tfvars(root / "terraform" / "dev" / "byok.auto.tfvars").key("s3")
    assert s3.active.number == 2 and s3.active.material_id == kms.describe(new_key.key_id).current_material_id
    assert len(kms.list_materials(f"alias/{s3_alias}")) == MAX_ON_DEMAND_ROTATIONS + 1  # the old key is untouched


def test_apply_never_asks_kms_for_a_26th_rotation(spent, capsys, kms, hsm):
    """A proposal made before the budget ran out (or by hand) still says in place: apply stops it at the plan."""
    root, s3_alias, _ = spent
    tfvars = root / "terraform" / "dev" / "byok.auto.tfvars"
    state = read_tfvars(tfvars)
    s3 = state.key("s3")
    pending = Generation(2, GenerationState.PENDING, clock.now().date())
    tfvars.write_text(render_tfvars(state.with_key(replace(s3, generations=(*s3.generations, pending)))))
    before = kms.list_materials(f"alias/{s3_alias}")
    key_id = kms.describe(f"alias/{s3_alias}").key_id

    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 5
    assert f"has used all {MAX_ON_DEMAND_ROTATIONS} on-demand rotations" in out
    assert "proposes this key's next generation as an alias swap" in out
    assert "LimitExceededException" not in out + err  # KMS's own refusal was never reached
    assert kms.list_materials(f"alias/{s3_alias}") == before  # nothing imported, nothing pending
    assert hsm.find_material(f"byok/dev/s3/g2/{key_id}") is None  # and nothing generated


def test_offline_reads_no_kms_and_the_pr_says_the_budget_was_not_checked(spent, capsys, monkeypatch):
    root, _, _ = spent
    monkeypatch.setenv("BYOK_AWS_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: any KMS call would fail
    code, out, err = byok(capsys, "rotate", "status", "--env", "dev", "--offline", "--output", "json")
    assert code == 0, err
    assert {row["rotations_left"] for row in json.loads(out)["rows"]} == {None}
    code, _, err = byok(capsys, "rotate", "propose", "--env", "dev", "--key", "s3", "--offline")
    assert code == 0, err
    s3 = read_tfvars(root / "terraform" / "dev" / "byok.auto.tfvars").key("s3")
    assert s3.pending.strategy is None  # not known to be spent: apply's guard is what stops it (tested above)
    assert "was not read from KMS (`--offline`)" in (root / ".byok" / "pr" / "dev.md").read_text()
    code, _, err = byok(capsys, "rotate", "status", "--env", "dev")
    assert (
        code == 5 and "cannot reach the AWS endpoint" in err
    )  # without --offline the budget is read, and said so when it cannot be
