"""``byok terraform``: plan and apply an environment's root with the configured engine.

On a machine without a ``terraform`` binary this is the embedded engine with the hash-verified
offline provider; with ``BYOK_TERRAFORM_BIN`` it is the user's own ``terraform`` or ``tofu``.
"""

from __future__ import annotations

from pathlib import Path

import click

from byok.cli.options import config_option, env_option
from byok.policy import load_policy
from byok.terraform.engine import PlanResult, engine_from_env
from byok.terraform.workspace import Workspace


def _workspace(config_path: Path, environment: str, endpoint_url: str | None) -> Workspace:
    policy = load_policy(config_path)
    policy.environment(environment)  # an unknown name is refused before Terraform runs
    return Workspace(policy.terraform_dir, engine_from_env(), endpoint_url)


def _summary(environment: str, plan: PlanResult) -> str:
    if not plan.has_changes:
        return f"{environment}: no changes"
    return f"{environment}: {plan.add} to add, {plan.change} to change, {plan.remove} to destroy"


endpoint_option = click.option(
    "--endpoint-url", envvar="BYOK_AWS_ENDPOINT", help="Point the root at this local endpoint (sandbox runs)."
)


@click.group()
def terraform() -> None:
    """Plan and apply the rendered estate."""


@terraform.command()
@env_option
@config_option
@endpoint_option
def plan(environment, config_path, endpoint_url) -> None:
    """Plan ENV; writes byok.tfplan and byok.tfplan.json (for Checkov and `byok drift plan`) in the root."""
    planned = _workspace(config_path, environment, endpoint_url).plan(environment)
    click.echo(_summary(environment, planned.plan))
    click.echo(f"plan JSON: {planned.plan_json_path}")


@terraform.command()
@env_option
@config_option
@endpoint_option
@click.option("--dry-run", is_flag=True, help="Plan only; write no plan file and apply nothing.")
def apply(environment, config_path, endpoint_url, dry_run) -> None:
    """Plan and apply ENV."""
    workspace = _workspace(config_path, environment, endpoint_url)
    if dry_run:
        click.echo(_summary(environment, workspace.preview(environment)) + " (dry run: nothing applied)")
        return
    click.echo(_summary(environment, workspace.apply(environment).plan) + " applied")
