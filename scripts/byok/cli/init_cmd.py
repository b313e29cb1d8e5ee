"""``byok init --env NAME``: scaffold an environment (byok.toml entry, Terraform root, first tfvars)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import click

from byok.cli.options import config_option
from byok.errors import UsageError
from byok.model import Strategy


def _key_spec(text: str, max_age_days: int):
    from byok.scaffold import KeySpec

    name, _, strategy = text.partition(":")
    try:
        return KeySpec(name, Strategy(strategy or Strategy.IN_PLACE.value), max_age_days)
    except ValueError:
        choices = ", ".join(s.value for s in Strategy)
        raise UsageError(
            f"--key {text!r}: unknown strategy {strategy!r}", f"write NAME or NAME:STRATEGY ({choices})"
        ) from None


@click.command()
@click.option("--env", "environment", required=True, help="Name of the new environment (lower case, digits, dashes).")
@functools.partial(config_option, help="Estate configuration to add the environment to (created if missing).")
@click.option(
    "--key",
    "keys",
    multiple=True,
    required=True,
    metavar="NAME[:STRATEGY]",
    help="A key of the environment, e.g. s3 or rds:alias-swap (repeatable; strategy in-place by default).",
)
@click.option("--max-age-days", type=click.IntRange(1, 3650), default=365, show_default=True, help="Rotation period.")
@click.option("--dry-run", is_flag=True, help="List the files it would write; write nothing.")
def init(environment, config_path, keys, max_age_days, dry_run) -> None:
    """Scaffold an environment: its byok.toml entry, its Terraform root and its first byok.auto.tfvars.

    Every key starts at generation 1, awaiting its first import. Next: `byok terraform apply --env NAME`
    creates the keys, then `byok rotate apply --env NAME` imports their material from the HSM."""
    from byok.scaffold import plan

    scaffold = plan(config_path, environment, [_key_spec(k, max_age_days) for k in keys], datetime.now(UTC).date())
    verb = "would write" if dry_run else "wrote"
    if not dry_run:
        scaffold.write()
    for path in scaffold.paths():
        click.echo(f"{verb} {path}")
    if not dry_run:
        click.echo(
            f"next: `byok terraform apply --env {environment}` creates the keys, "
            f"then `byok rotate apply --env {environment}` imports their first material"
        )
