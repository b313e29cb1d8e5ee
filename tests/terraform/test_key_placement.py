"""What the tfvars byok renders say beyond the generations reaches Terraform: a generation's own strategy (the
alias swap ``rotate propose`` makes when a key's 25 on-demand rotations are spent) creates a new key and moves
the alias to it; a key's ``account``, ``region`` and ``replica_regions`` are declared, shown in the ``keys``
output, and refused with a reason where this root cannot honour them, never dropped.

Planned and applied for real: the dev root with the embedded Terraform, the offline AWS provider 3.39 and the
local endpoint, with no bindings (the keys are what changes; the stores' apply takes half a minute and is
tested by test_tf_dev_estate.py). Not tested here: a multi-Region key's replicas, which need AWS provider >= 6
(see modules/kms-external-key/modules/multi-region and test_provider_schema.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from byok.estate import Binding, EnvironmentState, Generation, GenerationState, ManagedKey
from byok.model import Strategy
from byok.render import render_tfvars
from byok.terraform.engine import EmbeddedTerraform
from byok.terraform.errors import TerraformError

ACCOUNT = "123456789012"  # the local endpoint's account
REGION = "eu-central-1"  # the dev root's default region


def key(*generations: Generation, **placement: Any) -> ManagedKey:
    return ManagedKey(
        "dynamodb", "dev-dynamodb", Strategy.IN_PLACE, 365, "dev DynamoDB data key", generations, **placement
    )


def spent(number: int = 25, last: GenerationState = GenerationState.ACTIVE) -> tuple[Generation, ...]:
    """An in-place key after 24 on-demand rotations: 25 materials, the last one active (unless ``last``)."""
    older = tuple(Generation(n, GenerationState.RETIRING, date(2025, 1, 1)) for n in range(1, number))
    return (*older, Generation(number, last, date(2026, 1, 1)))


def write(root: Path, managed: ManagedKey) -> None:
    (root / "byok.auto.tfvars").write_text(render_tfvars(EnvironmentState("dev", (managed,))))


def changes(engine: EmbeddedTerraform, root: Path, var_file: Path) -> dict[str, list[str]]:
    plan = engine.plan(root, [var_file], refresh=False)
    planned = engine.show_json(root, plan.plan_file)
    return {
        c["address"]: c["change"]["actions"] for c in planned["resource_changes"] if c["change"]["actions"] != ["no-op"]
    }


def apply(engine: EmbeddedTerraform, root: Path, var_file: Path) -> None:
    engine.apply(root, engine.plan(root, [var_file], refresh=False).plan_file)


KEY = 'module.estate.module.key["dynamodb"]'


@pytest.fixture
def dev(tree: Path, engine: EmbeddedTerraform, endpoint, aim_root: Callable[[Path], Path]) -> tuple[Path, Path]:
    """The dev root on an empty endpoint (each test applies its own estate from scratch)."""
    endpoint.reset()
    root = tree / "terraform" / "dev"
    engine.init(root)
    return root, aim_root(root)


def test_a_spent_rotation_budget_creates_a_new_key_and_moves_the_alias_to_it(dev, engine):
    root, aim = dev
    write(root, key(*spent()))
    apply(engine, root, aim)
    first = engine.output(root)["keys"]["dynamodb"]

    # rotate propose: no rotation left, so generation 26 is an alias swap to a new key
    proposed = Generation(26, GenerationState.PENDING, date(2026, 12, 1), strategy=Strategy.ALIAS_SWAP)
    write(root, key(*spent(), proposed))
    assert 'strategy = "alias-swap"' in (root / "byok.auto.tfvars").read_text()
    planned = changes(engine, root, aim)
    assert planned[f'{KEY}.aws_kms_external_key.this["26"]'] == ["create"]
    assert planned[f'{KEY}.module.names.aws_kms_alias.generation["26"]'] == ["create"]
    assert f'{KEY}.aws_kms_external_key.this["key"]' not in planned  # the spent key stays, with its materials
    apply(engine, root, aim)
    created = engine.output(root)["keys"]["dynamodb"]
    assert created["generation_arns"]["26"] != first["key_arn"]
    assert created["key_arn"] == first["key_arn"]  # alias/dev-dynamodb waits for the new key's material

    # rotate apply imported generation 26 and made it active: the alias moves in place to the new key
    swapped = Generation(26, GenerationState.ACTIVE, date(2026, 12, 1), strategy=Strategy.ALIAS_SWAP)
    write(root, key(*spent(last=GenerationState.RETIRING), swapped))
    assert changes(engine, root, aim)[f"{KEY}.module.names.aws_kms_alias.primary"] == ["update"]
    apply(engine, root, aim)
    moved = engine.output(root)["keys"]["dynamodb"]
    assert moved["key_arn"] == created["generation_arns"]["26"]
    assert moved["generation_arns"]["25"] == first["key_arn"]  # older generations still name the spent key

    # the next in-place rotation goes into the new key: nothing new for Terraform to create
    write(
        root,
        key(
            *spent(last=GenerationState.RETIRING),
            swapped,
            Generation(27, GenerationState.PENDING, date(2027, 12, 1)),
        ),
    )
    assert not [a for a, actions in changes(engine, root, aim).items() if "create" in actions]


def test_account_region_and_replica_regions_are_declared_not_dropped(dev, engine):
    root, aim = dev
    write(root, key(*spent(1), account=ACCOUNT, region=REGION))
    plan = engine.plan(root, [aim], refresh=False)
    declared = engine.show_json(root, plan.plan_file)["variables"]["keys"]["value"]["dynamodb"]
    assert (declared["account"], declared["region"]) == (ACCOUNT, REGION)  # as rendered (no replicas: none)
    apply(engine, root, aim)
    placed = engine.output(root)["keys"]["dynamodb"]
    assert (placed["account"], placed["region"], placed["replica_regions"]) == (ACCOUNT, REGION, [])
    assert f":{REGION}:{ACCOUNT}:key/" in placed["key_arn"]


@pytest.mark.parametrize(
    ("placement", "refusal"),
    [
        ({"account": "999999999999"}, "names another account than this root's provider"),
        ({"region": "us-west-2"}, "names another region than this root's provider"),
        ({"region": REGION, "replica_regions": ("eu-west-1",)}, "lacks aws_kms_replica_external_key"),
    ],
)
def test_a_key_this_root_cannot_place_is_refused_with_the_reason(dev, engine, placement, refusal):
    root, aim = dev
    write(root, key(*spent(1), **placement))
    with pytest.raises(TerraformError) as refused:
        engine.plan(root, [aim], refresh=False)
    assert refusal in str(refused.value).replace("\n", " ")


def test_a_generation_strategy_other_than_alias_swap_is_refused(dev, engine):
    root, aim = dev
    write(root, key(*spent(1)))
    text = (
        (root / "byok.auto.tfvars")
        .read_text()
        .replace('check_value = "" }', 'check_value = "", strategy = "sideways" }')
    )
    (root / "byok.auto.tfvars").write_text(text)
    with pytest.raises(TerraformError) as refused:
        engine.plan(root, [aim], refresh=False)
    assert "may only be" in str(refused.value).replace("\n", " ")


STAND_IN = Path(__file__).parent / "fixtures" / "multi-region-stand-in"


@pytest.fixture
def dr(tree: Path, engine: EmbeddedTerraform, endpoint, aim_root: Callable[[Path], Path]) -> tuple[Path, Path]:
    """An environment on terraform/estate-multi-region, planned offline: its multi-Region module is replaced by a
    stand-in (same inputs and outputs, no replicas: provider 3.39 has none) and its provider constraint by 3.39's.
    The root is ../common with the estate swapped (../common-multi-region differs only in the 6.x provider block,
    which test_provider_schema.py checks)."""
    endpoint.reset()
    shutil.copytree(STAND_IN, tree / "stand-in")
    estate = tree / "terraform" / "estate-multi-region"
    (estate / "stand_in_override.tf").write_text('module "multi_region_key" {\n  source = "../../stand-in"\n}\n')
    (estate / "versions_override.tf").write_text(OFFLINE_PROVIDER)
    root = tree / "terraform" / "dr"
    root.mkdir()
    main = (tree / "terraform" / "common" / "main.tf").read_text()
    (root / "main.tf").write_text(main.replace('source = "../estate"', 'source = "../estate-multi-region"'))
    for name in ("variables.tf", "outputs.tf", "versions.tf"):
        (root / name).symlink_to(Path("..") / "common" / name)
    shutil.copy(tree / "terraform" / "dev" / ".terraform.lock.hcl", root)
    (root / "env.auto.tfvars").write_text("disposable = true\n")
    engine.init(root)
    return root, aim_root(root)


OFFLINE_PROVIDER = """terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 3.39.0"
    }
  }
}
"""


def write_dr(root: Path, region: str = REGION) -> None:
    active = Generation(1, GenerationState.ACTIVE, date(2026, 1, 1))
    dr_key = ManagedKey(
        "dr", "dev-dr", Strategy.IN_PLACE, 365, "DR data", (active,), region=region, replica_regions=("eu-west-1",)
    )
    state = EnvironmentState("dev", (dr_key, key(active)), (Binding("sqs", "dr"), Binding("dynamodb", "dynamodb")))
    (root / "byok.auto.tfvars").write_text(render_tfvars(state))


def test_the_multi_region_estate_routes_replica_regions_to_the_multi_region_module(dr, engine):
    root, aim = dr
    write_dr(root)
    apply(engine, root, aim)
    outputs = engine.output(root)
    multi, single = outputs["keys"]["dr"], outputs["keys"]["dynamodb"]
    assert (multi["account"], multi["region"], multi["replica_regions"]) == (ACCOUNT, REGION, ["eu-west-1"])
    assert multi["replica_arns"]["1"] == {"eu-west-1": multi["key_arn"].replace(REGION, "eu-west-1")}
    assert single["replica_regions"] == [] and "replica_arns" not in single  # a single-Region key stays in ../estate
    assert outputs["bindings"]["sqs"]["kms_key_arn"] == multi["key_arn"]  # a store can use the multi-Region key
    assert outputs["bindings"]["dynamodb"]["kms_key_arn"] == single["key_arn"]


def test_the_multi_region_estate_refuses_a_primary_outside_its_provider_region(dr, engine):
    root, aim = dr
    write_dr(root, region="eu-west-2")
    with pytest.raises(TerraformError) as refused:
        engine.plan(root, [aim], refresh=False)
    assert "primary region is not this root's provider Region" in str(refused.value).replace("\n", " ")
