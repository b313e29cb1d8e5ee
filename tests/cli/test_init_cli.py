"""``byok init --env NAME``: a new environment that Terraform can plan and byok can rotate, written all or nothing.

``terraform apply --dry-run`` on it also proves that a dry run leaves no plan file behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from byok.demo import copy_estate
from byok.render import read_tfvars

BYOK = str(Path(sys.executable).with_name("byok"))
REPO = Path(__file__).resolve().parents[2]


def test_init_scaffolds_an_environment_terraform_plans_and_byok_rotates(tmp_path, estate_env, endpoint):
    estate = copy_estate(REPO, tmp_path / "estate")
    env = {
        **estate_env,
        "BYOK_TERRAFORM_PLUGIN_DIR": str(REPO / ".cache" / "terraform-plugins"),
        "TF_VAR_database_password": "sandbox-only-password",
    }

    def byok(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [BYOK, *args], cwd=estate, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    dry = byok("init", "--env", "qa", "--key", "s3", "--key", "rds:alias-swap", "--dry-run")
    assert dry.returncode == 0 and "would write terraform/qa/byok.auto.tfvars" in dry.stdout
    assert not (estate / "terraform" / "qa").exists()

    made = byok("init", "--env", "qa", "--key", "s3", "--key", "rds:alias-swap")
    assert made.returncode == 0, made.stderr
    root = estate / "terraform" / "qa"
    assert (root / "main.tf").resolve() == (estate / "terraform" / "common" / "main.tf").resolve()
    policy = tomllib.loads((estate / "byok.toml").read_text())
    assert policy["estate"]["order"] == ["dev", "int", "prod", "qa"] and "qa" in policy["environments"]
    state = read_tfvars(root / "byok.auto.tfvars", environment="qa")
    assert {(k.name, k.strategy.value, k.alias) for k in state.keys} == {
        ("s3", "in-place", "qa-s3"),
        ("rds", "alias-swap", "qa-rds"),
    }

    status = json.loads(byok("rotate", "status", "--env", "qa", "-o", "json").stdout)["rows"]
    assert {row["phase"] for row in status} == {"awaiting first import"}

    before = sorted(path.name for path in root.iterdir())
    planned = byok("terraform", "apply", "--env", "qa", "--dry-run", "--endpoint-url", endpoint.url)
    assert planned.returncode == 0, planned.stderr
    assert "to add" in planned.stdout and "(dry run: nothing applied)" in planned.stdout
    after = sorted(path.name for path in root.iterdir() if path.name != ".terraform")
    assert after == before, "a dry run left files in the root"

    again = byok("init", "--env", "qa", "--key", "s3")
    assert again.returncode == 3 and "already declares environment 'qa'" in again.stderr
