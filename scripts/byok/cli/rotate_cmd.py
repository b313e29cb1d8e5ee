"""``byok rotate``: propose a rotation as a PR, apply it after merge, and show where each key is."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click

from byok.audit.journal import Journal, journal_path
from byok.audit.lock import lock_environment
from byok.cli.options import (
    aws_options,
    config_option,
    emit,
    env_option,
    hsm_options,
    open_hsm_pool,
    output_option,
    sweep_approvals,
)
from byok.cli.rollback import roll_back, tfvars_diff
from byok.config import AwsSettings
from byok.errors import ByokError, ExitCode, RotationBlocked, UsageError
from byok.estate import EnvironmentState
from byok.files import check_directory_writable, check_writable, write_atomically
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient
from byok.kms.pacing import QuotaPacer
from byok.material_policy import run_note
from byok.output import Column, Listing, identifier, optional
from byok.pending_imports import PendingImports
from byok.policy import EstatePolicy, load_policy
from byok.render import render_tfvars
from byok.render.pr import render_pr_description
from byok.rotation.apply import RotationRunner, pending_rotations
from byok.rotation.budget import budget_column, count_used
from byok.rotation.canaries import CanaryStore
from byok.rotation.concurrent import KeyOutcome, Scope
from byok.rotation.environment_run import apply_jobs, raise_if_failed
from byok.rotation.journaling import RunJournal
from byok.rotation.planner import EnvironmentBlocked, next_due, propose
from byok.rotation.scopes import KmsScopes, jobs_for, scope_of
from byok.rotation.verify import advice, verify_environment


class VerificationFailed(ByokError):
    exit_code = ExitCode.FAILURE


def offline_option(func):
    return click.option(
        "--offline",
        is_flag=True,
        help="Read only the tfvars: no KMS call, so the rotation budget (25 rotations a key) is not checked.",
    )(func)


def _now() -> datetime:
    return datetime.now(UTC)


@click.group()
def rotate() -> None:
    """Propose, apply and follow key rotations."""


@rotate.command("propose")
@env_option
@config_option
@click.option("--key", "force_keys", multiple=True, help="Rotate this key now, whatever its age (repeatable).")
@click.option("--pr-description", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the PR text.")
@click.option("--dry-run", is_flag=True, help="Show the tfvars diff only; write nothing.")
@offline_option
@aws_options
def propose_cmd(environment, config_path, force_keys, pr_description, dry_run, offline, aws) -> None:
    """Decide which keys are due, render the new tfvars and the pull-request description.

    The rotation budget of each in-place key (25 on-demand rotations in a key's life) is read from KMS,
    so that a key with none left is proposed as an alias swap to a new key.
    """
    policy = load_policy(config_path)
    tfvars = policy.tfvars_path(environment)
    state = policy.read_state(environment)
    previous_env = policy.previous(environment)
    previous = policy.read_state(previous_env.name) if previous_env else None
    today = _now().date()
    try:
        proposal = propose(
            state,
            today,
            policy.expiry_horizon_days,
            previous,
            tuple(force_keys),
            rotations_used=None if offline else _rotations_used(policy, aws, state),
            budget_warning=policy.rotation.budget_warning,
        )
    except EnvironmentBlocked as blocked:
        raise RotationBlocked(str(blocked)) from None
    for warning in proposal.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not proposal.changes:
        click.echo(_nothing_due(state, today) + _in_flight(proposal.in_flight))
        return
    old_text, new_text = tfvars.read_text(encoding="utf-8"), render_tfvars(proposal.after)
    if dry_run:
        click.echo(tfvars_diff(tfvars, old_text, new_text), nl=False)
        return
    description = pr_description or policy.state_dir / "pr" / f"{environment}.md"
    check_writable(tfvars, "tfvars")
    check_writable(description, "PR description")  # both before either: never a tfvars without its PR text
    write_atomically(tfvars, new_text)
    write_atomically(description, render_pr_description(proposal, today))
    names = ", ".join(f"{d.key.name} -> g{d.next_generation}" for d in proposal.due)
    click.echo(f"proposed {names}; wrote {tfvars} and {description}")


def _rotations_used(policy: EstatePolicy, aws: AwsSettings, state: EnvironmentState) -> dict[str, int]:
    scopes = KmsScopes(aws, QuotaPacer(policy.quotas_of, policy.rotation.quota_headroom), policy.rotation.role_name)
    return count_used(state, lambda key: scopes.client(scope_of(key, aws.region)))


def _nothing_due(state: EnvironmentState, today: date) -> str:
    """Say what *is* next, and that --key proposes a generation now: a fresh estate is never 'due'."""
    env = state.environment
    awaiting = [key.name for key in state.keys if key.active is not None and not key.active.material_id]
    parts = [f"nothing due in {env}"]
    if awaiting:
        parts.append(f"{', '.join(awaiting)} await their first import: run `byok rotate apply --env {env}`")
    upcoming = sorted((due, key.name) for key in state.keys if (due := next_due(key)) is not None and due > today)
    if upcoming:
        parts.append(f"next due: {upcoming[0][1]} on {upcoming[0][0].isoformat()}")
    parts.append(f"to rotate a key before it is due: `byok rotate propose --env {env} --key NAME`")
    return "; ".join(parts)


def _in_flight(names: tuple[str, ...]) -> str:
    return f" (in flight: {', '.join(names)})" if names else ""


@rotate.command("apply")
@env_option
@config_option
@click.option("--override-window", is_flag=True, help="Run outside the maintenance window (say why in the PR).")
@click.option("--wait", type=float, default=0.0, show_default=True, help="Seconds to wait for another run's lock.")
@click.option("--dry-run", is_flag=True, help="Show each key's steps, decided from the real HSM and KMS state.")
@hsm_options
@aws_options
@output_option
def apply_cmd(
    environment,
    config_path,
    override_window,
    wait,
    dry_run,
    hsm_settings,
    aws,
    output_format,
) -> None:
    """Import and rotate every pending generation of ENV, verify canaries, record the result in the tfvars."""
    policy = load_policy(config_path)
    env_policy = policy.environment(environment)
    now = _now()
    if not env_policy.window.contains(now) and not override_window and not dry_run:
        opening = env_policy.window.next_opening(now)
        raise RotationBlocked(
            f"{environment} is outside its maintenance window ({env_policy.window.describe()})",
            f"the next window opens {opening.isoformat(timespec='minutes')}; or pass --override-window",
        )
    tfvars = policy.tfvars_path(environment)
    if not pending_rotations(policy.read_state(environment)):
        _nothing_to_apply(environment, f"nothing to apply in {environment}: no pending generation", output_format)
        return
    if not dry_run:  # every file this run writes, before the HSM or KMS is touched
        check_writable(tfvars, "tfvars")
        check_writable(journal_path(policy.state_dir), "audit journal")
        check_directory_writable(policy.state_dir, "state directory (canaries, locks)")
    pacer = QuotaPacer(policy.quotas_of, policy.rotation.quota_headroom)
    scopes = KmsScopes(
        aws, pacer, policy.rotation.role_name, minimum_algorithm=policy.material.minimum_wrapping_algorithm
    )
    with open_hsm_pool(hsm_settings, policy.rotation.hsm_sessions, policy.material.trusted_wrapping) as token:
        choice = token.choose_algorithm(hsm_settings.forced_algorithm)
        sweep_approvals(token, policy.state_dir, f"rotate apply {environment}", dry_run)
        pending_imports = PendingImports(policy.state_dir)

        def runner(scope: Scope, journal: RunJournal | None = None) -> RotationRunner:
            kms = scopes.client(scope)
            kms.require_offered(choice.algorithm)  # every region of the run, before any HSM or KMS work
            importer = MaterialImporter(token, kms, choice, hsm_settings.wrapping_key_spec, pending=pending_imports)
            return RotationRunner(
                importer,
                kms,
                CanaryStore(policy.state_dir),
                journal,
                replica_client=lambda region: scopes.client(Scope(scope.account, region)),
            )

        wrapping = f"wrapping: {choice.algorithm.value} ({choice.reason})"
        if dry_run:
            state = policy.read_state(environment)
            rows = [
                {
                    "key": rotation.key,
                    "where": job.scope.describe(),
                    "generation": rotation.generation,
                    "target": rotation.target,
                    "steps": [
                        *runner(job.scope).planned_steps(rotation, state.key(rotation.key).replica_regions),
                        "verify",
                        "record",
                    ],
                }
                for job in jobs_for(state, pending_rotations(state), aws.region)
                for rotation in job.rotations
            ]
            title = f"rotate apply {environment} (dry run)"
            columns = ["key", optional("where"), Column("generation", "gen"), identifier("target"), "steps"]
            emit(Listing("rotate_apply_plan", title, columns, rows, [wrapping]), output_format)
            return
        journal = RunJournal(
            Journal.open(journal_path(policy.state_dir)), run_note("rotate apply", policy.material), environment
        )
        with lock_environment(policy.state_dir, environment, journal.journal.run_id, wait) as held, journal.run():
            for holder in held.recovered:
                journal.journal.append("lock-recovered", environment=environment, detail=holder.describe()[:400])
            state = policy.read_state(environment)  # again, under the lock: another run may have finished meanwhile
            jobs = jobs_for(state, pending_rotations(state), aws.region)
            if not jobs:
                message = f"nothing to apply in {environment}: another run finished it"
                _nothing_to_apply(environment, message, output_format)
                return
            outcomes = apply_jobs(
                jobs,
                state,
                {job.scope: runner(job.scope, journal) for job in jobs},
                tfvars=tfvars,
                journal=journal,
                state_dir=policy.state_dir,
                workers_per_scope=policy.rotation.workers_per_region,
                pacer=pacer,
                stream=sys.stderr,
            )
            rows = [row for outcome in outcomes for row in _outcome_rows(outcome)]
            click.echo(f"journal head: {journal.journal.head().hash}", err=True)
            notes = [wrapping, f"recorded in {tfvars}"]
            emit(Listing("rotate_apply", f"rotate apply {environment}", APPLIED_COLUMNS, rows, notes), output_format)
            raise_if_failed(outcomes, environment)


APPLIED_COLUMNS: list[Column | str] = [
    "key",
    optional("where"),
    optional("strategy"),
    Column("generation", "gen"),
    "result",
    identifier("material_id", "material id"),
    identifier("check_value", "check value"),
    Column("canaries_ok", "canaries ok"),
]


def _nothing_to_apply(environment: str, reason: str, output_format: str) -> None:
    """The same document as a run that rotated, with no rows: a script reading JSON needs no special case."""
    emit(Listing("rotate_apply", f"rotate apply {environment}", APPLIED_COLUMNS, [], [reason]), output_format)


def _outcome_rows(outcome: KeyOutcome) -> list[dict[str, object]]:
    """One row per rotation done; a failed key adds one row with its error."""
    rows: list[dict[str, object]] = [
        {
            "key": outcome.job.key,
            "where": outcome.job.scope.describe(),
            "strategy": result.rotation.strategy.value,
            "generation": result.rotation.generation,
            "result": "ok",
            "material_id": result.outcome.material_id,
            "check_value": result.outcome.check_value,
            "canaries_ok": result.canaries_checked,
        }
        for result in outcome.results
    ]
    if outcome.failed:
        failed_at = outcome.job.rotations[len(outcome.results)]
        rows.append(
            {
                "key": outcome.job.key,
                "where": outcome.job.scope.describe(),
                "strategy": failed_at.strategy.value,
                "generation": failed_at.generation,
                "result": f"FAILED: {outcome.error}",
                "material_id": None,
                "check_value": None,
                "canaries_ok": None,
            }
        )
    return rows


@rotate.command("verify")
@env_option
@config_option
@click.option(
    "--rollback",
    is_flag=True,
    help="Alias swap only, for a generation whose canaries fail: make the previous one active again in the tfvars "
    "(shows the diff and asks first).",
)
@click.option("--dry-run", is_flag=True, help="With --rollback: show the tfvars diff only; write nothing.")
@click.option("--yes", "-y", is_flag=True, help="With --rollback: do not ask for confirmation.")
@aws_options
@output_option
def verify_cmd(environment, config_path, rollback, dry_run, yes, aws, output_format) -> None:
    """After the cut-over: aliases on the active generation, current material recorded, every canary decrypts.

    Run it after the follow-up `byok terraform apply` that moves the aliases of alias-swap keys."""
    if (dry_run or yes) and not rollback:
        raise UsageError("--dry-run and --yes apply to --rollback only", "add --rollback, or drop them")
    policy = load_policy(config_path)
    tfvars = policy.tfvars_path(environment)
    state = policy.read_state(environment)
    checks = verify_environment(state, KmsClient(aws), CanaryStore(policy.state_dir))
    rows = [
        {
            "key": check.key,
            "strategy": check.strategy.value,
            "active": f"g{check.generation}",
            "canaries": check.canaries,
            "ok": check.ok,
            "problems": [f"{p.cause.value}: {p.detail}" for p in check.problems],
        }
        for check in checks
    ]
    failed = [check for check in checks if not check.ok]
    notes = [roll_back(tfvars, state, checks, dry_run, yes)] if rollback else []
    emit(
        Listing(
            "rotate_verify",
            f"rotate verify {environment}",
            ["key", optional("strategy"), "active", "canaries", "ok", "problems"],
            rows,
            notes,
        ),
        output_format,
    )
    if failed:
        raise VerificationFailed(
            f"{len(failed)} key(s) in {environment} did not verify: {', '.join(c.key for c in failed)}",
            advice(failed, environment),
        )


@rotate.command("status")
@click.option("--env", "environment", help="One environment (default: all, in rotation order).")
@config_option
@offline_option
@aws_options
@output_option
def status_cmd(environment, config_path, offline, aws, output_format) -> None:
    """Where each key is in its rotation, from the tfvars in this checkout; rotations left from KMS."""
    policy = load_policy(config_path)
    names = [environment] if environment else [e.name for e in policy.environments]
    rows = []
    for name in names:
        state = policy.read_state(name)
        rows.extend(_status_rows(state, _now().date(), {} if offline else _rotations_used(policy, aws, state)))
    columns = [
        Column("environment", "env"),
        "key",
        optional("strategy"),
        "active",
        "pending",
        "retiring",
        Column("next_due", "next due"),
        optional("rotations_left", "rotations left"),
        "phase",
    ]
    emit(Listing("rotate_status", "rotation status", columns, rows), output_format)


def _status_rows(state: EnvironmentState, today: date, used: dict[str, int]) -> list[dict[str, object]]:
    rows = []
    for key in state.keys:
        due = next_due(key)
        retiring = [str(g.number) for g in key.generations if g.state.value == "retiring"]
        if key.pending:
            phase = "proposed: waiting for apply"
        elif key.active is not None and not key.active.material_id:
            phase = "awaiting first import"
        elif due is None:
            phase = "no active generation"
        elif due <= today:
            phase = "OVERDUE"
        else:
            phase = "ok"
        rows.append(
            {
                "environment": state.environment,
                "key": key.name,
                "strategy": key.strategy.value,
                "active": f"g{key.active.number}" if key.active else None,
                "pending": f"g{key.pending.number}" if key.pending else None,
                "retiring": [f"g{n}" for n in retiring],
                "next_due": due,
                "rotations_left": budget_column(used, key.name),
                "phase": phase,
            }
        )
    return rows
