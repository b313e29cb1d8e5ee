"""``byok material``: generate in the HSM, wrap there, import into KMS; list what a key holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import click

from byok.audit.journal import Journal, journal_path
from byok.binding import journaled_claims
from byok.cli.hsm_cmd import estate_for
from byok.cli.options import (
    aws_options,
    emit,
    hsm_options,
    open_hsm,
    output_option,
    sweep_approvals,
)
from byok.cli.rotate_cmd import config_option
from byok.config import AwsSettings, HsmSettings
from byok.errors import ConfigError, UsageError
from byok.failpoints import hit
from byok.hsm.backend import AlgorithmChoice, HsmBackend
from byok.importer import MaterialImporter, label_of
from byok.kms.client import KmsClient
from byok.material_policy import run_note
from byok.model import KeyMaterial, Strategy
from byok.output import Column, Listing, identifier, optional
from byok.pending_imports import PendingImports
from byok.policy import EstatePolicy
from byok.renewal import MaterialRenewer, Renewal
from byok.replica_check import check_replicas
from byok.rotation.journaling import RunJournal
from byok.rotation.replica_backfill import ReplicaBackfiller
from byok.rotation.replicas import ReplicaImporter

MAX_VALIDITY = timedelta(days=365)


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
@config_option
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
    config_path,
    hsm_settings,
    aws,
    output_format,
) -> None:
    """Generate material in the HSM, wrap it inside the HSM, import it, and rotate (in place).

    Every step is written to the audit journal (the estate's state_dir, .byok without a byok.toml).
    """
    if valid_to and no_expiry:
        raise UsageError("--valid-to and --no-expiry contradict each other", "give one of them")
    expiry = _future_expiry(_utc(valid_to), datetime.now(UTC)) if valid_to else None
    estate = estate_for(config_path)
    journal_file = journal_path(estate.state_dir)
    with _material_work(estate, hsm_settings, aws, "material import", dry_run) as (token, kms, choice):
        importer = MaterialImporter(
            token,
            kms,
            choice,
            hsm_settings.wrapping_key_spec,
            claims=journaled_claims(journal_file),
            pending=PendingImports(estate.state_dir),
        )
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
        journal = RunJournal(Journal.open(journal_file), run_note("material import", estate.material))
        with journal.run():
            outcome = importer.execute(
                plan,
                valid_to=expiry,
                progress=lambda step: click.echo(f"  {step} ...", err=True),
                done=journal.steps(plan.key.arn),
            )
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
    rows = [_material_row(aws.region, m) for m in materials]
    notes = []
    replicas = check_replicas(key, materials, lambda region: KmsClient(replace(aws, region=region)))
    for replica in replicas:  # a multi-Region primary: every replica's materials, flagged where they differ
        rows.extend(_material_row(replica.region, m) for m in replica.materials)
        notes.extend(f"REPLICA {replica.region}: {problem}" for problem in replica.problems)
        if not replica.problems:
            notes.append(f"replica {replica.region}: same materials as the primary, all imported")
    columns = [
        optional("region", drop=2),
        identifier("material_id", "material id"),
        "state",
        Column("import_state", "import"),
        Column("valid_to", "expires"),
        identifier("hsm_label", "hsm label"),
        optional("rotated"),
    ]
    facts = [(identifier("key_arn", "key"), key.arn), (Column("key_state", "key state"), key.state)]
    emit(Listing("material_list", "key materials", columns, rows, notes, facts), output_format)


def _material_row(region: str, material: KeyMaterial) -> dict[str, object]:
    return {
        "region": region,
        "material_id": material.material_id,
        "state": material.state,
        "import_state": material.import_state,
        "valid_to": material.valid_to,
        "hsm_label": label_of(material),
        "rotated": material.rotation_date,
    }


@contextmanager
def _material_work(
    estate: EstatePolicy, hsm_settings: HsmSettings, aws: AwsSettings, command: str, dry_run: bool
) -> Iterator[tuple[HsmBackend, KmsClient, AlgorithmChoice]]:
    """The token in the estate's trusted-wrapping mode, the KMS client with its minimum, and the algorithm:
    refused here, before any HSM or KMS work, if the region or the minimum does not allow it. Approvals that
    can no longer serve are destroyed first (journaled); a dry run says how many it would destroy."""
    kms = KmsClient(aws, minimum_algorithm=estate.material.minimum_wrapping_algorithm)
    with open_hsm(hsm_settings, estate.material.trusted_wrapping) as token:
        choice = token.choose_algorithm(hsm_settings.forced_algorithm)
        kms.require_offered(choice.algorithm)
        sweep_approvals(token, estate.state_dir, command, dry_run)
        yield token, kms, choice


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _renewal_facts(renewal: Renewal, choice: AlgorithmChoice, valid_to: datetime | None) -> dict[str, object]:
    expiry = valid_to.isoformat(timespec="seconds") if valid_to else "never"
    return {
        "material_id": renewal.material.material_id,
        "algorithm": choice.algorithm.value,
        "detail": f"HSM object {renewal.label} re-imported ({renewal.reason}); expires {expiry}",
    }


def _future_expiry(valid_to: datetime, now: datetime) -> datetime:
    """KMS refuses a ValidTo in the past or beyond 365 days: refuse it before the HSM generates anything."""
    if valid_to <= now:
        raise UsageError(f"--valid-to {valid_to.isoformat()} is in the past", "give a future date (UTC)")
    if valid_to > now + MAX_VALIDITY:
        raise UsageError(
            f"--valid-to {valid_to.date().isoformat()} is more than 365 days ahead (KMS allows at most 365)",
            "give an earlier date, or --no-expiry",
        )
    return valid_to


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
@config_option
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
    config_path,
    hsm_settings,
    aws,
    output_format,
) -> None:
    """Re-import expiring or expired material (the same bytes, wrapped again by the HSM); journaled."""
    now = datetime.now(UTC)
    valid_to = None if no_expiry else now + timedelta(days=valid_for_days)
    estate = estate_for(config_path)
    journal_file = journal_path(estate.state_dir)
    with _material_work(estate, hsm_settings, aws, "material renew", dry_run) as (token, kms, choice):
        renewer = MaterialRenewer(
            token, kms, choice, hsm_settings.wrapping_key_spec, pending=PendingImports(estate.state_dir)
        )
        renewals = renewer.plan(key_ref, now, timedelta(days=horizon_days), material_id)
        rows = []
        journal = (
            None
            if dry_run or not renewals
            else RunJournal(Journal.open(journal_file), run_note("material renew", estate.material))
        )
        with journal.run() if journal else nullcontext():
            for renewal in renewals:
                if journal is not None:
                    renewer.renew(
                        renewal,
                        valid_to,
                        progress=lambda step: click.echo(f"  {step} ...", err=True),
                        done=journal.steps(renewal.key.arn),
                    )
                    journal.steps(renewal.key.arn)("renew", _renewal_facts(renewal, choice, valid_to))
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


@material.command("sync-replicas")
@click.option("--key", "key_ref", required=True, help="The multi-Region primary: key ID, ARN, alias name or alias ARN.")
@click.option(
    "--dry-run", is_flag=True, help="List what each replica lacks and where the HSM holds it; change nothing."
)
@config_option
@hsm_options
@aws_options
@output_option
def sync_replicas(key_ref, dry_run, config_path, hsm_settings, aws, output_format) -> None:
    """Import into every replica each of the primary's materials it lacks (a replica added after rotations).

    Each material comes from the HSM object its label names, wrapped there under the replica Region's own
    wrapping key, imported as EXISTING_KEY_MATERIAL with the primary's KeyMaterialId; journaled per replica.
    Refused before any import (exit 4) when the HSM no longer holds a material a replica lacks.
    """
    estate = estate_for(config_path)
    with _material_work(estate, hsm_settings, aws, "material sync-replicas", dry_run) as (token, kms, choice):
        importer = ReplicaImporter(token, choice, hsm_settings.wrapping_key_spec, PendingImports(estate.state_dir))
        backfiller = ReplicaBackfiller(token, importer)
        minimum = estate.material.minimum_wrapping_algorithm
        primary, plan = backfiller.plan(
            kms, key_ref, lambda region: KmsClient(replace(aws, region=region), minimum_algorithm=minimum)
        )
        if not dry_run and plan:
            note = run_note("material sync-replicas", estate.material)
            journal = RunJournal(Journal.open(journal_path(estate.state_dir)), note)
            with journal.run():
                backfiller.run(
                    plan, _failpoint_progress(primary.key_id), lambda replica: journal.steps(replica.key.arn)
                )
    rows = [
        {
            "region": item.replica.region,
            "material_id": item.material.material_id,
            "hsm_label": item.label,
            "in_hsm": item.hsm_object is not None,
            "imported": not dry_run,
        }
        for item in plan
    ]
    notes = [f"every replica of {primary.arn} holds all of its materials"] if not plan else []
    if dry_run and any(item.hsm_object is None for item in plan):
        notes.append("MISSING in the HSM: a real run refuses (exit 4) until the object is restored")
    title = "material sync-replicas" + (" (dry run)" if dry_run else "")
    columns = [
        "region",
        identifier("material_id", "material id"),
        identifier("hsm_label", "hsm label"),
        Column("in_hsm", "in HSM"),
        "imported",
    ]
    facts = [
        (identifier("key_arn", "key"), primary.arn),
        (Column("replicas", "replica regions"), list(primary.replica_regions)),
    ]
    emit(Listing("material_sync_replicas", title, columns, rows, notes, facts), output_format)


def _failpoint_progress(key_id: str) -> Callable[[str], None]:
    """Steps are named ``<key-id>:<step>@<region>`` for the crash-at-step harness (byok.failpoints)."""

    def step(name: str) -> None:
        hit(f"{key_id}:{name}")
        click.echo(f"  {name} ...", err=True)

    return step
