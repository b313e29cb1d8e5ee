"""``rotate verify --rollback``: show what changes, then change it only when confirmed.

A rollback rewrites the tfvars so that Terraform moves the alias back to the previous generation. It is
offered only for alias-swap keys whose new generation really fails (a canary no longer decrypts):
never for an alias the follow-up ``terraform apply`` has not moved yet, never when nothing could be
checked. The user sees the tfvars diff first; ``--dry-run`` stops there, ``--yes`` skips the prompt.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from byok.estate import EnvironmentState
from byok.files import check_writable, write_atomically
from byok.render import render_tfvars
from byok.rotation.verify import KeyCheck, rolled_back


def tfvars_diff(path: Path, old_text: str, new_text: str) -> str:
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True), new_text.splitlines(keepends=True), str(path), str(path)
    )
    return "".join(lines)


def roll_back(tfvars: Path, state: EnvironmentState, checks: list[KeyCheck], dry_run: bool, yes: bool) -> str:
    """Roll back every key that can and should be; returns the note for the report."""
    candidates = [check.key for check in checks if check.can_roll_back]
    if not candidates:
        if all(check.ok for check in checks):
            return "--rollback: every key verified, nothing to roll back"
        return "--rollback: nothing rolled back, no failure here is one a rollback fixes (see the advice below)"
    after = state
    for name in candidates:
        after = rolled_back(after, name)
    old_text, new_text = tfvars.read_text(encoding="utf-8"), render_tfvars(after)
    click.echo(tfvars_diff(tfvars, old_text, new_text), err=True, nl=False)
    names = ", ".join(candidates)
    if dry_run:
        return f"--rollback --dry-run: would make the previous generation of {names} active again; nothing written"
    check_writable(tfvars, "tfvars")
    if not yes:
        click.confirm(f"Make the previous generation of {names} active again in {tfvars}?", abort=True, err=True)
    write_atomically(tfvars, new_text)
    return f"rolled back {names} in {tfvars}: merge it, then `byok terraform apply` moves the alias back"
