"""``byok material``: generate in the HSM, wrap there, import into KMS; list what a key holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from byok.cli.options import (
    aws_options,
    emit,
    hsm_options,
    open_hsm,
    output_option,
)
from byok.errors import ConfigError
from byok.importer import MaterialImporter, label_of
from byok.kms.client import KmsClient
from byok.model import Strategy
from byok.output import Column, Listing, identifier, optional
from byok.renewal import MaterialRenewer


@click.group()
def material() -> None:
    """Import and inspect key material."""


@material.command("import")
@click.option("--key", "key_ref", required=True, help="Key ID, key ARN, alias name or alias ARN.")
@click.option(
    "--strategy",
    type=click.Choice([s.value for s in Strategy]),
    default=Strategy.IN_PLACE.value,
    show_default=True,
    help="in-place: new material on the same key, rotated on demand; alias-swap: first material of a new key.",
)
@click.option("--label", help="HSM object label (default: byok/<key-id>/m<N>, resumed if a run crashed).")
@click.option("--valid-to", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), help="Material expiry (UTC).")
@click.option("--no-expiry", is_flag=True, help="Material never expires (the default when --valid-to is absent).")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@hsm_options
@aws_options
@output_option
def import_(
    key_ref,
    strategy,
    label,
    valid_to,
    no_expiry,
    dry_run,
    hsm_settings,
    aws,
    output_format,
) -> None:
    """Generate material in the HSM, wrap it inside the HSM, import it, and rotate (in place)."""
    if valid_to and no_expiry:
        raise ConfigError("--valid-to and --no-expiry contradict each other", "give one of them")
    expiry = _utc(valid_to) if valid_to else None
    kms = KmsClient(aws)
    with open_hsm(hsm_settings) as token:
        choice = token.choose_algorithm(hsm_settings.forced_algorithm)
        importer = MaterialImporter(token, kms, choice, hsm_settings.wrapping_key_spec)
        plan = importer.plan(key_ref, label=label, rotate=strategy == Strategy.IN_PLACE.value)
        if strategy == Strategy.ALIAS_SWAP.value and plan.key.current_material_id and plan.import_needed:
            raise ConfigError(
                f"{plan.key.arn} already has material: alias-swap imports into a new generation's key",
                "create the next generation's key (Terraform) and import into it, or use --strategy in-place",
            )
        notes = [f"wrapping: {choice.algorithm.value} ({choice.reason})"]
        if choice.downgraded:
            notes.append(f"WARNING: weaker than {choice.strongest_known.value}")
        notes.append(f"expiry: {expiry.isoformat() if expiry else 'material does not expire'}")
        if dry_run:
            rows = [{"step": step} for step in plan.steps] or [{"step": "nothing to do"}]
            facts = [(identifier("key_arn", "key"), plan.key.arn), (identifier("label", "hsm label"), plan.label)]
            title = "material import (dry run)"
            emit(Listing("material_import_plan", title, ["step"], rows, notes, facts), output_format)
            return
        outcome = importer.execute(plan, valid_to=expiry, progress=lambda step: click.echo(f"  {step} ...", err=True))
    facts = [
        (identifier("key_arn", "key"), outcome.key_arn),
        (identifier("label", "hsm label"), outcome.label),
        (identifier("check_value", "check value"), outcome.check_value),
        (identifier("material_id", "material id"), outcome.material_id),
        ("state", outcome.material_state),
        ("algorithm", outcome.algorithm),
        (Column("steps", "steps done"), list(outcome.steps_done)),
    ]
    emit(Listing("material_import", "material imported", [], [], notes, facts), output_format)


@material.command("list")
@click.option("--key", "key_ref", required=True, help="Key ID, key ARN, alias name or alias ARN.")
@aws_options
@output_option
def list_(key_ref, aws, output_format) -> None:
    """List every material of a key (current, previous and pending) with its expiry."""
    kms = KmsClient(aws)
    key = kms.describe(key_ref)
    materials = kms.list_materials(key.key_id)
    rows = [
        {
            "material_id": m.material_id,
            "state": m.state,
            "import_state": m.import_state,
            "valid_to": m.valid_to,
            "hsm_label": label_of(m),
            "rotated": m.rotation_date,
        }
        for m in materials
    ]
    columns = [
        identifier("material_id", "material id"),
        "state",
        Column("import_state", "import"),
        Column("valid_to", "expires"),
        identifier("hsm_label", "hsm label"),
        optional("rotated"),
    ]
    facts = [(identifier("key_arn", "key"), key.arn), (Column("key_state", "key state"), key.state)]
    emit(Listing("material_list", "key materials", columns, rows, [], facts), output_format)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@material.command("renew")
@click.option("--key", "key_ref", required=True, help="Key ID, key ARN, alias name or alias ARN.")
@click.option("--material-id", help="Renew this material only (default: every material that needs it).")
@click.option(
    "--horizon-days",
    type=click.IntRange(1, 365),
    default=30,
    show_default=True,
    help="Renew materials expiring within this many days.",
)
@click.option(
    "--valid-for-days",
    type=click.IntRange(1, 365),
    default=365,
    show_default=True,
    help="New expiry, counted from now (KMS allows at most 365 days).",
)
@click.option("--no-expiry", is_flag=True, help="Re-import without expiry instead.")
@click.option("--dry-run", is_flag=True, help="List what would be renewed; change nothing.")
@hsm_options
@aws_options
@output_option
def renew(
    key_ref,
    material_id,
    horizon_days,
    valid_for_days,
    no_expiry,
    dry_run,
    hsm_settings,
    aws,
    output_format,
) -> None:
    """Re-import expiring or expired material (the same bytes, wrapped again by the HSM)."""
    now = datetime.now(UTC)
    valid_to = None if no_expiry else now + timedelta(days=valid_for_days)
    kms = KmsClient(aws)
    with open_hsm(hsm_settings) as token:
        renewer = MaterialRenewer(
            token, kms, token.choose_algorithm(hsm_settings.forced_algorithm), hsm_settings.wrapping_key_spec
        )
        renewals = renewer.plan(key_ref, now, timedelta(days=horizon_days), material_id)
        rows = []
        for renewal in renewals:
            if not dry_run:
                renewer.renew(renewal, valid_to, progress=lambda step: click.echo(f"  {step} ...", err=True))
            rows.append(
                {
                    "material_id": renewal.material.material_id,
                    "state": renewal.material.state,
                    "hsm_label": renewal.label,
                    "reason": renewal.reason,
                    "renewed": not dry_run,
                }
            )
    title = "material renew" + (" (dry run)" if dry_run else "")
    notes = [] if rows else [f"nothing expires within {horizon_days} days"]
    columns = [
        identifier("material_id", "material id"),
        "state",
        identifier("hsm_label", "hsm label"),
        "reason",
        "renewed",
    ]
    facts = [(Column("key"), key_ref), (Column("new_valid_to", "new expiry"), valid_to)]
    emit(Listing("material_renew", title, columns, rows, notes, facts), output_format)
