"""``byok rotate``: propose a rotation as a PR, apply it after merge, and show where each key is."""

from __future__ import annotations

import difflib
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click

from byok.audit.journal import Journal, journal_path
from byok.audit.lock import lock_environment
from byok.cli.options import (
    aws_options,
    emit,
    hsm_options,
    open_hsm_pool,
    output_option,
)
from byok.config import AwsSettings
from byok.errors import ByokError, RotationBlocked
from byok.estate import EnvironmentState
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient
from byok.kms.pacing import QuotaPacer
from byok.output import Listing
from byok.policy import EstatePolicy, load_policy
from byok.render import read_tfvars, render_tfvars
from byok.render.pr import render_pr_description
from byok.rotation.apply import RotationRunner, pending_rotations
from byok.rotation.budget import budget_column, count_used
from byok.rotation.canaries import CanaryStore, write_atomically
from byok.rotation.concurrent import KeyOutcome, Scope
from byok.rotation.environment_run import apply_jobs, raise_if_failed
from byok.rotation.journaling import RunJournal
from byok.rotation.planner import EnvironmentBlocked, next_due, propose
from byok.rotation.scopes import KmsScopes, jobs_for, scope_of
from byok.rotation.verify import rolled_back, verify_environment


class VerificationFailed(ByokError):
    exit_code = 1


def config_option(func):
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("byok.toml"),
        show_default=True,
        envvar="BYOK_CONFIG",
        help="Estate configuration: environment order, windows, horizon.",
    )(func)


def offline_option(func):
    return click.option(
        "--offline",
        is_flag=True,
        help="Read only the tfvars: no KMS call, so the rotation budget (25 rotations a key) is not checked.",
    )(func)


def env_option(func):
    return click.option("--env", "environment", required=True, help="Environment name from byok.toml.")(func)


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
    state = read_tfvars(tfvars)
    previous_env = policy.previous(environment)
    previous = read_tfvars(policy.tfvars_path(previous_env.name)) if previous_env else None
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
        click.echo(f"nothing due in {environment}" + _in_flight(proposal.in_flight))
        return
    old_text, new_text = tfvars.read_text(encoding="utf-8"), render_tfvars(proposal.after)
    if dry_run:
        click.echo(
            "".join(
                difflib.unified_diff(
                    old_text.splitlines(keepends=True), new_text.splitlines(keepends=True), str(tfvars), str(tfvars)
                )
            ),
            nl=False,
        )
        return
    write_atomically(tfvars, new_text)
    description = pr_description or policy.state_dir / "pr" / f"{environment}.md"
    description.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(description, render_pr_description(proposal, today))
    names = ", ".join(f"{d.key.name} -> g{d.next_generation}" for d in proposal.due)
    click.echo(f"proposed {names}; wrote {tfvars} and {description}")


def _rotations_used(policy: EstatePolicy, aws: AwsSettings, state: EnvironmentState) -> dict[str, int]:
    scopes = KmsScopes(aws, QuotaPacer(policy.quotas_of, policy.rotation.quota_headroom), policy.rotation.role_name)
    return count_used(state, lambda key: scopes.client(scope_of(key, aws.region)))


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
    if not pending_rotations(read_tfvars(tfvars)):
        click.echo(f"nothing to apply in {environment}: no pending generation")
        return
    pacer = QuotaPacer(policy.quotas_of, policy.rotation.quota_headroom)
    scopes = KmsScopes(aws, pacer, policy.rotation.role_name)
    with open_hsm_pool(hsm_settings, policy.rotation.hsm_sessions) as token:
        choice = token.choose_algorithm(hsm_settings.forced_algorithm)

        def runner(scope: Scope, journal: RunJournal | None = None) -> RotationRunner:
            kms = scopes.client(scope)
            importer = MaterialImporter(token, kms, choice, hsm_settings.wrapping_key_spec)
            return RotationRunner(
                importer,
                kms,
                CanaryStore(policy.state_dir),
                journal,
                replica_client=lambda region: scopes.client(Scope(scope.account, region)),
            )

        wrapping = f"wrapping: {choice.algorithm.value} ({choice.reason})"
        if dry_run:
            state = read_tfvars(tfvars)
            rows = [
                {
                    "key": rotation.key,
                    "where": job.scope.describe(),
                    "generation": rotation.generation,
                    "target": rotation.target,
                    "steps": ", ".join([*runner(job.scope).plan(rotation).steps, "verify", "record"]),
                }
                for job in jobs_for(state, pending_rotations(state), aws.region)
                for rotation in job.rotations
            ]
            emit(Listing(f"rotate apply {environment} (dry run)", list(rows[0]), rows, [wrapping]), output_format)
            return
        journal = RunJournal(Journal.open(journal_path(policy.state_dir)), "rotate apply", environment)
        with lock_environment(policy.state_dir, environment, journal.journal.run_id, wait) as held, journal.run():
            for holder in held.recovered:
                journal.journal.append("lock-recovered", environment=environment, detail=holder.describe()[:400])
            state = read_tfvars(tfvars)  # again, under the lock: another run may have finished meanwhile
            jobs = jobs_for(state, pending_rotations(state), aws.region)
            if not jobs:
                click.echo(f"nothing to apply in {environment}: another run finished it")
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
            emit(
                Listing(f"rotate apply {environment}", list(rows[0]), rows, [wrapping, f"recorded in {tfvars}"]),
                output_format,
            )
            raise_if_failed(outcomes, environment)


def _outcome_rows(outcome: KeyOutcome) -> list[dict[str, object]]:
    """One row per rotation done; a failed key adds one row with its error."""
    rows = [
        {
            "key": outcome.job.key,
            "where": outcome.job.scope.describe(),
            "strategy": result.rotation.strategy.value,
            "generation": result.rotation.generation,
            "result": "ok",
            "material id": result.outcome.material_id,
            "check value": result.outcome.check_value,
            "canaries": f"{result.canaries_checked} ok",
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
                "material id": None,
                "check value": None,
                "canaries": None,
            }
        )
    return rows


@rotate.command("verify")
@env_option
@config_option
@click.option(
    "--rollback", is_flag=True, help="Alias swap only: make the previous generation active again in the tfvars."
)
@aws_options
@output_option
def verify_cmd(environment, config_path, rollback, aws, output_format) -> None:
    """After the cut-over: aliases on the active generation, current material recorded, every canary decrypts."""
    policy = load_policy(config_path)
    tfvars = policy.tfvars_path(environment)
    state = read_tfvars(tfvars)
    checks = verify_environment(state, KmsClient(aws), CanaryStore(policy.state_dir))
    rows = [
        {
            "key": check.key,
            "strategy": check.strategy.value,
            "active": f"g{check.generation}",
            "canaries": check.canaries,
            "result": "ok" if check.ok else "; ".join(check.problems),
        }
        for check in checks
    ]
    failed = [check for check in checks if not check.ok]
    notes = []
    if failed and rollback:
        for check in failed:
            state = rolled_back(state, check.key)
        write_atomically(tfvars, render_tfvars(state))
        notes.append(f"rolled back {', '.join(c.key for c in failed)} in {tfvars}: merge it and terraform apply")
    emit(
        Listing(f"rotate verify {environment}", ["key", "strategy", "active", "canaries", "result"], rows, notes),
        output_format,
    )
    if failed:
        raise VerificationFailed(
            f"{len(failed)} key(s) in {environment} failed verification: {', '.join(c.key for c in failed)}",
            "see the table; alias swap: --rollback; in place: fix forward",
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
        state = read_tfvars(policy.tfvars_path(name))
        rows.extend(_status_rows(state, _now().date(), {} if offline else _rotations_used(policy, aws, state)))
    columns = ["env", "key", "strategy", "active", "pending", "retiring", "next due", "rotations left", "phase"]
    emit(Listing("rotation status", columns, rows), output_format)


def _status_rows(state: EnvironmentState, today: date, used: dict[str, int]) -> list[dict[str, object]]:
    rows = []
    for key in state.keys:
        due = next_due(key)
        retiring = [str(g.number) for g in key.generations if g.state.value == "retiring"]
        if key.pending:
            phase = "proposed: waiting for apply"
        elif due is None:
            phase = "no active generation"
        elif due <= today:
            phase = "OVERDUE"
        else:
            phase = "ok"
        rows.append(
            {
                "env": state.environment,
                "key": key.name,
                "strategy": key.strategy.value,
                "active": f"g{key.active.number}" if key.active else None,
                "pending": f"g{key.pending.number}" if key.pending else None,
                "retiring": ", ".join(f"g{n}" for n in retiring) or None,
                "next due": due,
                "rotations left": budget_column(used, key.name),
                "phase": phase,
            }
        )
    return rows
