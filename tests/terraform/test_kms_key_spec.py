"""The multi-Region layout of a byok key, planned with the offline provider 3.39.

modules/kms-external-key/modules/multi-region needs AWS provider >= 6 (aws_kms_replica_external_key, the
per-resource region), which cannot be installed here; its names are checked against the 6.62 schema by
test_provider_schema.py. What it does with them is decided in modules/spec (no resources, any provider):
which replica keys exist and which alias goes on which replica. That part is planned here for real.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from byok.terraform.engine import EmbeddedTerraform
from byok.terraform.errors import TerraformError
from support.offline_terraform import OFFLINE_PROVIDER

TWO_GENERATIONS = {
    "1": {"state": "retiring", "created": "2025-11-28"},
    "2": {"state": "active", "created": "2026-11-28"},
}


def _plan_spec(
    engine: EmbeddedTerraform,
    tree: Path,
    strategy: str,
    replica_regions: list[str],
    generations: dict[str, dict[str, str]] = TWO_GENERATIONS,
) -> dict[str, Any]:
    root = tree / "spec-root"
    root.mkdir(exist_ok=True)
    (root / "main.tf").write_text(
        OFFLINE_PROVIDER
        + f"""
module "spec" {{
  source          = "../modules/kms-external-key/modules/spec"
  replica_regions = {json.dumps(replica_regions)}
  key = {{
    name                    = "dr-app"
    description             = "multi-Region layout"
    strategy                = "{strategy}"
    generations             = jsondecode({json.dumps(json.dumps(generations))})
    max_age_days            = 365
    deletion_window_in_days = 30
    key_administrator_arns  = ["arn:aws:iam::111122223333:root"]
    key_user_arns           = []
    rotation_role_arns      = []
    tags                    = {{}}
  }}
}}

output "keys" {{ value = module.spec.keys }}
output "replica_keys" {{ value = module.spec.replica_keys }}
output "replica_aliases" {{ value = module.spec.replica_aliases }}
output "key_address" {{ value = module.spec.key_address }}
"""
    )
    engine.init(root)
    plan = engine.plan(root, refresh=False)
    outputs = engine.show_json(root, plan.plan_file)["planned_values"]["outputs"]
    return {name: output["value"] for name, output in outputs.items()}


def test_in_place_key_has_one_replica_per_region_and_its_alias_there(engine: EmbeddedTerraform, tree: Path) -> None:
    planned = _plan_spec(engine, tree, "in-place", ["eu-west-1", "us-east-1"])

    assert list(planned["keys"]) == ["key"]
    assert {k: (v["address"], v["region"]) for k, v in planned["replica_keys"].items()} == {
        "key/eu-west-1": ("key", "eu-west-1"),
        "key/us-east-1": ("key", "us-east-1"),
    }
    assert planned["replica_keys"]["key/eu-west-1"]["tags"] == planned["keys"]["key"]["tags"]
    assert {k: v["replica_key"] for k, v in planned["replica_aliases"].items()} == {
        "eu-west-1/alias/dr-app": "key/eu-west-1",
        "us-east-1/alias/dr-app": "key/us-east-1",
    }


def test_alias_swap_replicates_every_generation_and_every_alias(engine: EmbeddedTerraform, tree: Path) -> None:
    planned = _plan_spec(engine, tree, "alias-swap", ["eu-west-1"])

    assert sorted(planned["replica_keys"]) == ["1/eu-west-1", "2/eu-west-1"]
    assert {k: v["replica_key"] for k, v in planned["replica_aliases"].items()} == {
        "eu-west-1/alias/dr-app": "2/eu-west-1",  # the active generation
        "eu-west-1/alias/dr-app-g1": "1/eu-west-1",
        "eu-west-1/alias/dr-app-g2": "2/eu-west-1",
    }


def test_a_budget_swap_of_an_in_place_key_gets_its_own_key_replicated_and_the_alias(
    engine: EmbeddedTerraform, tree: Path
) -> None:
    """Generation 2 proposed as an alias swap (rotation budget spent): a second key, replicated like the first,
    alias/<name> on it once active, and the in-place generation 3 after it rotating in that key."""
    generations = {
        "1": {"state": "retiring", "created": "2025-11-28"},
        "2": {"state": "active", "created": "2026-11-28", "strategy": "alias-swap"},
        "3": {"state": "pending", "created": "2027-11-28"},
    }
    planned = _plan_spec(engine, tree, "in-place", ["eu-west-1"], generations)

    assert planned["key_address"] == {"1": "key", "2": "2", "3": "2"}
    assert {address: key["generation"] for address, key in planned["keys"].items()} == {"key": "1", "2": "2"}
    assert planned["keys"]["2"]["tags"]["Name"] == "dr-app-g2"
    assert sorted(planned["replica_keys"]) == ["2/eu-west-1", "key/eu-west-1"]
    assert {k: v["replica_key"] for k, v in planned["replica_aliases"].items()} == {
        "eu-west-1/alias/dr-app": "2/eu-west-1",  # generations 2 and 3 live in the swap's key
        "eu-west-1/alias/dr-app-g2": "2/eu-west-1",
    }


def test_a_single_region_key_has_no_replicas(engine: EmbeddedTerraform, tree: Path) -> None:
    planned = _plan_spec(engine, tree, "in-place", [])

    assert (planned["replica_keys"], planned["replica_aliases"]) == ({}, {})


@pytest.mark.parametrize(
    ("regions", "message"),
    [(["eu-west-1", "eu-west-1"], "listed once"), (["Ireland"], "Region codes")],
)
def test_bad_replica_regions_are_refused(
    engine: EmbeddedTerraform, tree: Path, regions: list[str], message: str
) -> None:
    with pytest.raises(TerraformError, match=message):
        _plan_spec(engine, tree, "in-place", regions)
