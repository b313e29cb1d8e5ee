"""modules/drift-monitor applied with the embedded Terraform on the local endpoint, from the zip package.py built.

One test: the second plan needs the state the apply left, and an apply costs ~15 s (Lambda waiters).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from byok.monitor import package
from byok.terraform.engine import EmbeddedTerraform

REPO = Path(__file__).resolve().parents[2]
SCANNER = REPO / "policies" / "iam" / "drift-scanner.json"


def _policy(state: dict) -> dict:
    resources = state["values"]["root_module"]["child_modules"]
    found = [
        r for m in resources for r in m.get("resources", []) if r["address"].endswith("aws_iam_role_policy.monitor")
    ]
    return json.loads(found[0]["values"]["policy"])


@pytest.mark.terraform
def test_example_applies_and_then_plans_no_change(
    tree: Path, engine: EmbeddedTerraform, aim_example: Callable[[Path], None]
) -> None:
    example = tree / "modules" / "drift-monitor" / "examples" / "basic"
    aim_example(example)
    zip_path = tree / "dist" / "drift-monitor.zip"
    package.build(zip_path)
    engine.init(example)
    plan = engine.plan(example)
    assert plan.add > 0
    engine.apply(example, plan.plan_file)
    again = engine.plan(example)
    assert not again.has_changes, "a second plan must show no changes"

    outputs = engine.output(example)
    assert outputs["rule_name"] == "byok-drift-active-generation"
    assert outputs["function_arn"].endswith(":function:byok-drift-nightly")
    assert outputs["topic_arn"].endswith(":byok-drift-findings")

    granted = {action for statement in _policy(engine.show_json(example))["Statement"] for action in _listed(statement)}
    wanted = {action for statement in json.loads(SCANNER.read_text())["Statement"] for action in statement["Action"]}
    assert wanted <= granted, "the module's role must grant the whole drift-scanner document"
    assert {"sns:Publish", "config:PutEvaluations"} <= granted


def _listed(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


@pytest.mark.terraform
def test_the_organisation_example_applies_an_aggregator_the_nightly_function_queries(
    tree: Path, engine: EmbeddedTerraform, aim_example: Callable[[Path], None]
) -> None:
    example = tree / "modules" / "drift-monitor" / "examples" / "organization"
    aim_example(example)
    package.build(tree / "dist" / "drift-monitor.zip")
    engine.init(example)
    engine.apply(example, engine.plan(example).plan_file)
    assert engine.output(example)["aggregator_name"] == "byok-org-drift-organisation"
    resources = {
        r["address"]: r["values"]
        for m in engine.show_json(example)["values"]["root_module"]["child_modules"]
        for r in m.get("resources", [])
    }
    aggregator = resources["module.drift_monitor.aws_config_configuration_aggregator.organisation[0]"]
    assert aggregator["organization_aggregation_source"][0]["regions"] == ["eu-central-1", "eu-west-1"]
    nightly = resources['module.drift_monitor.aws_lambda_function.this["nightly"]']
    variables = nightly["environment"][0]["variables"]
    assert variables["BYOK_AGGREGATOR"] == "byok-org-drift-organisation"
    assert variables["BYOK_MEMBER_ROLE"] == "byok-drift-scan" and variables["BYOK_CONFIG_MAX_AGE_HOURS"] == "6"
    statements = {s.get("Sid"): s for s in _policy(engine.show_json(example))["Statement"]}
    assert statements["QueryTheAggregator"]["Resource"] == aggregator["arn"]
    assert statements["ReadWhatConfigCannotGive"]["Resource"].endswith(":role/byok-drift-scan")
