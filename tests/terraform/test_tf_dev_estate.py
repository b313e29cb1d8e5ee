"""The dev estate applied on the local endpoint, then the plans a rotation PR would produce.

One test, because each step needs the state the previous one left and an apply costs ~35 s
(the provider's RDS waiter): splitting it would apply once per xdist worker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from byok.terraform.engine import EmbeddedTerraform

S3_SECOND_GENERATION = """generations = {
      "1" = { state = "retiring", created = "2026-11-28", material_id = "", check_value = "" }
      "2" = { state = "active", created = "2026-12-01", material_id = "", check_value = "" }
    }"""


def _variant(root: Path, name: str, edit: Any) -> Path:
    """A var file overriding byok.auto.tfvars, as the next rotation PR would render it."""
    path = root / f"{name}.tfvars"
    path.write_text(edit((root / "byok.auto.tfvars").read_text()), encoding="utf-8")
    return path


def _s3_alias_swapped(text: str) -> str:
    block = text.index('"s3" = {')
    head, tail = text[:block], text[block:]
    return head + re.sub(r"generations = \{.*?\n    \}", S3_SECOND_GENERATION, tail, count=1, flags=re.S)


def _rds_pinned_to_new_generation(text: str) -> str:
    block = text.index('"rds" = {')
    head, tail = text[:block], text[block:]
    tail = tail.replace(
        '"1" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }',
        '"1" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }\n'
        '      "2" = { state = "pending", created = "2026-12-01" }',
        1,
    )
    return head + tail.replace(
        '"rds"      = { key = "rds", generation = "1" }', '"rds" = { key = "rds", generation = "2" }'
    )


def _changes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rc["address"]: rc["change"] for rc in plan["resource_changes"] if rc["change"]["actions"] != ["no-op"]}


def _state_resources(state: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    pending = [state["values"]["root_module"]]
    while pending:
        module = pending.pop()
        found += module.get("resources", [])
        pending += module.get("child_modules", [])
    return found


@pytest.mark.terraform
def test_dev_estate_applies_and_rotation_plans_are_what_the_drift_checker_expects(
    tree: Path, engine: EmbeddedTerraform, aim_root: Callable[[Path], Path]
) -> None:
    root = tree / "terraform" / "dev"
    local = aim_root(root)
    engine.init(root)
    first = engine.plan(root, [local], tree / "apply.tfplan")
    engine.apply(root, first.plan_file)

    again = engine.plan(root, [local], tree / "again.tfplan")
    assert not again.has_changes, _changes(engine.show_json(root, again.plan_file))

    outputs = engine.output(root)
    state = engine.show_json(root)
    key_arns = {b["kms_key_arn"] for b in outputs["bindings"].values()}
    assert key_arns == set().union(*(k["generation_arns"].values() for k in outputs["keys"].values()))
    bound = {
        r["type"]: r["values"]
        for r in _state_resources(state)
        if r["type"]
        in {"aws_s3_bucket", "aws_dynamodb_table", "aws_db_instance", "aws_ebs_volume", "aws_sqs_queue"}
        | {"aws_secretsmanager_secret"}
    }
    assert len(bound) == 6
    for values in bound.values():
        assert values["tags"]["byok:key"].startswith("dev-") and values["tags"]["byok:generation"] == "1"
        assert any(arn in str(values) for arn in key_arns)

    swapped = engine.plan(root, [local, _variant(root, "s3-g2", _s3_alias_swapped)], tree / "s3.tfplan", refresh=False)
    s3 = _changes(engine.show_json(root, swapped.plan_file))
    assert s3['module.estate.module.s3["s3"].aws_s3_bucket.this']["actions"] == ["update"]
    assert s3['module.estate.module.key["s3"].module.names.aws_kms_alias.primary']["actions"] == ["update"]
    assert swapped.remove == 0

    repinned = engine.plan(root, [local, _variant(root, "rds-g2", _rds_pinned_to_new_generation)], refresh=False)
    rds = _changes(engine.show_json(root, repinned.plan_file))[
        'module.estate.module.rds["rds"].aws_db_instance.this[0]'
    ]
    assert rds["actions"] == ["delete", "create"]
    assert ["kms_key_id"] in rds["replace_paths"]
