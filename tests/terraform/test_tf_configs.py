"""Every root and every module example initialises, validates and plans; everything is fmt-clean."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from byok.terraform.engine import EmbeddedTerraform

REPO = Path(__file__).resolve().parents[2]
ROOTS = ["dev", "int", "prod"]
EXAMPLES = sorted(p.parent.parent.name for p in (REPO / "modules").glob("*/examples/basic"))


def test_modules_and_roots_are_fmt_clean(engine: EmbeddedTerraform) -> None:
    assert engine.unformatted([REPO / "modules", REPO / "terraform"]) == []


def test_every_module_has_the_standard_layout() -> None:
    for module in (REPO / "modules").iterdir():
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md", "examples/basic/main.tf"):
            assert (module / name).is_file(), f"{module.name} lacks {name}"
    assert "key_material_base64" not in (REPO / "modules/kms-external-key/main.tf").read_text().split("deliberately")[1]


@pytest.mark.parametrize("env", ROOTS)
def test_root_plans_against_the_local_endpoint(
    env: str, tree: Path, engine: EmbeddedTerraform, aim_root: Callable[[Path], Path]
) -> None:
    root = tree / "terraform" / env
    engine.init(root)
    engine.validate(root)
    plan = engine.plan(root, [aim_root(root)], refresh=False)
    assert plan.has_changes and plan.remove == 0
    planned = engine.show_json(root, plan.plan_file)
    assert planned["variables"]["environment"]["value"] == env


@pytest.mark.parametrize("module", EXAMPLES)
def test_module_example_plans(
    module: str, tree: Path, engine: EmbeddedTerraform, aim_example: Callable[[Path], None]
) -> None:
    example = tree / "modules" / module / "examples" / "basic"
    aim_example(example)
    engine.init(example)
    plan = engine.plan(example)  # plan validates too; a separate validate would only cost time
    assert plan.has_changes and plan.add > 0
