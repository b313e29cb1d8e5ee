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
    open_hsm,
    output_option,
)
from byok.errors import ByokError, RotationBlocked
from byok.estate import EnvironmentState
from byok.failpoints import hit
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient
from byok.output import Column, Listing, identifier, optional
from byok.policy import load_policy
from byok.render import read_tfvars, render_tfvars
from byok.render.pr import render_pr_description
from byok.rotation.apply import RotationRunner, pending_rotations
from byok.rotation.canaries import CanaryStore, write_atomically
from byok.rotation.journaling import RunJournal
from byok.rotation.planner import EnvironmentBlocked, next_due, propose
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
def propose_cmd(environment, config_path, force_keys, pr_description, dry_run) -> None:
    """Decide which keys are due, render the new tfvars and the pull-request description."""
    policy = load_policy(config_path)
    tfvars = policy.tfvars_path(environment)
    state = read_tfvars(tfvars)
    previous_env = policy.previous(environment)
    previous = read_tfvars(policy.tfvars_path(previous_env.name)) if previous_env else None
    today = _now().date()
    try:
        proposal = propose(state, today, policy.expiry_horizon_days, previous, tuple(force_keys))
    except EnvironmentBlocked as blocked:
        raise RotationBlocked(str(blocked)) from None
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


def _apply_all(runner: RotationRunner, state: EnvironmentState, rotations, tfvars: Path, journal: RunJournal):
    rows = []
    with click.progressbar(
        rotations, label="rotating", file=sys.stderr, item_show_func=lambda r: r.key if r else ""
    ) as bar:
        for rotation in bar:
            state, result = runner.rotate(state, rotation)
            hit(f"{rotation.key}:record")
            write_atomically(tfvars, render_tfvars(state))  # record each key as soon as it is done
            journal.steps(result.outcome.key_arn, rotation.generation)(
                "record", {"material_id": result.outcome.material_id, "detail": f"recorded in {tfvars.name}"}
            )
            hit(f"{rotation.key}:recorded")
            rows.append(
                {
                    "key": rotation.key,
                    "strategy": rotation.strategy.value,
                    "generation": rotation.generation,
                    "material_id": result.outcome.material_id,
                    "check_value": result.outcome.check_value,
                    "canaries_ok": result.canaries_checked,
                }
            )
    return rows


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
        _nothing_to_apply(environment, f"nothing to apply in {environment}: no pending generation", output_format)
        return
    kms = KmsClient(aws)
    with open_hsm(hsm_settings) as token:
        choice = token.choose_algorithm(hsm_settings.forced_algorithm)
        importer = MaterialImporter(token, kms, choice, hsm_settings.wrapping_key_spec)
        if dry_run:
            runner = RotationRunner(importer, kms, CanaryStore(policy.state_dir))
            rows = [
                {
                    "key": rotation.key,
                    "generation": rotation.generation,
                    "target": rotation.target,
                    "steps": [*runner.plan(rotation).steps, "verify", "record"],
                }
                for rotation in pending_rotations(read_tfvars(tfvars))
            ]
            notes = [f"wrapping: {choice.algorithm.value} ({choice.reason})"]
            title = f"rotate apply {environment} (dry run)"
            columns = ["key", Column("generation", "gen"), identifier("target"), "steps"]
            emit(Listing("rotate_apply_plan", title, columns, rows, notes), output_format)
            return
        journal = RunJournal(Journal.open(journal_path(policy.state_dir)), "rotate apply", environment)
        with lock_environment(policy.state_dir, environment, journal.journal.run_id, wait) as held, journal.run():
            for holder in held.recovered:
                journal.journal.append("lock-recovered", environment=environment, detail=holder.describe()[:400])
            state = read_tfvars(tfvars)  # again, under the lock: another run may have finished meanwhile
            runner = RotationRunner(importer, kms, CanaryStore(policy.state_dir), journal)
            rows = _apply_all(runner, state, pending_rotations(state), tfvars, journal)
    if not rows:
        _nothing_to_apply(environment, f"nothing to apply in {environment}: another run finished it", output_format)
        return
    click.echo(f"journal head: {journal.journal.head().hash}", err=True)
    notes = [f"wrapping: {choice.algorithm.value} ({choice.reason})", f"recorded in {tfvars}"]
    emit(Listing("rotate_apply", f"rotate apply {environment}", APPLIED_COLUMNS, rows, notes), output_format)


APPLIED_COLUMNS: list[Column | str] = [
    "key",
    optional("strategy"),
    Column("generation", "gen"),
    identifier("material_id", "material id"),
    identifier("check_value", "check value"),
    Column("canaries_ok", "canaries ok"),
]


def _nothing_to_apply(environment: str, reason: str, output_format: str) -> None:
    """The same document as a run that rotated, with no rows: a script reading JSON needs no special case."""
    emit(Listing("rotate_apply", f"rotate apply {environment}", APPLIED_COLUMNS, [], [reason]), output_format)


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
            "ok": check.ok,
            "problems": list(check.problems),
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
            f"{len(failed)} key(s) in {environment} failed verification: {', '.join(c.key for c in failed)}",
            "see the table; alias swap: --rollback; in place: fix forward",
        )


@rotate.command("status")
@click.option("--env", "environment", help="One environment (default: all, in rotation order).")
@config_option
@output_option
def status_cmd(environment, config_path, output_format) -> None:
    """Where each key is in its rotation, from the tfvars in this checkout."""
    policy = load_policy(config_path)
    names = [environment] if environment else [e.name for e in policy.environments]
    rows = []
    for name in names:
        rows.extend(_status_rows(read_tfvars(policy.tfvars_path(name)), _now().date()))
    emit(
        Listing(
            "rotate_status",
            "rotation status",
            [
                Column("environment", "env"),
                "key",
                optional("strategy"),
                "active",
                "pending",
                "retiring",
                Column("next_due", "next due"),
                "phase",
            ],
            rows,
        ),
        output_format,
    )


def _status_rows(state: EnvironmentState, today: date) -> list[dict[str, object]]:
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
                "environment": state.environment,
                "key": key.name,
                "strategy": key.strategy.value,
                "active": f"g{key.active.number}" if key.active else None,
                "pending": f"g{key.pending.number}" if key.pending else None,
                "retiring": [f"g{n}" for n in retiring],
                "next_due": due,
                "phase": phase,
            }
        )
    return rows
