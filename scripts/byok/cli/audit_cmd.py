"""``byok audit``: prove the journal intact, repair a cut-off last record, export evidence for a period.

``verify`` exits 0 when the journal holds, 7 at the first damaged, missing or misplaced record
(``JournalTampered``), 8 when the journal cannot be read or written (``JournalError``).
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from byok.audit.errors import JournalTampered
from byok.audit.export import Period, export_period
from byok.audit.journal import Journal, journal_path
from byok.audit.pack import verify_pack
from byok.audit.record import GENESIS
from byok.audit.verify import Verdict, verify_file
from byok.cli.options import config_option, emit, output_option
from byok.errors import ConfigError, UsageError
from byok.output import Column, Listing, identifier
from byok.policy import load_policy

_SHOWN_BYTES = 300


def journal_option(func):
    return click.option(
        "--journal",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The journal file (default: journal.jsonl in the state_dir of byok.toml).",
    )(func)


def _journal(journal: Path | None, config_path: Path) -> Path:
    if journal is not None:
        return journal
    try:
        return journal_path(load_policy(config_path).state_dir)
    except ConfigError as error:
        raise ConfigError(error.cause, f"{error.remedy}, or pass --journal PATH") from None


def _hash(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[0-9a-f]{64}", value):
        raise click.BadParameter("a journal hash is 64 lower-case hex digits, as `byok audit verify` prints it")
    return value


@click.group()
def audit() -> None:
    """Check the rotation journal and export evidence for auditors."""


@audit.command("verify")
@journal_option
@config_option
@click.option(
    "--expect-head",
    metavar="HASH",
    callback=_hash,
    help="A head hash kept elsewhere (CI, PR) that must still be there.",
)
@click.option(
    "--after", metavar="HASH", default=GENESIS, callback=_hash, help="Hash before the first line, to verify a slice."
)
@click.option(
    "--pack",
    type=click.Path(exists=True, path_type=Path),
    help="Verify an evidence pack (directory or .tar.gz) instead of the journal.",
)
@click.option("--repair-tail", is_flag=True, help="Show and remove a last record cut off by a crash, and journal it.")
@click.option("--dry-run", is_flag=True, help="With --repair-tail: say what would be removed; change nothing.")
@output_option
def verify_cmd(journal, config_path, expect_head, after, pack, repair_tail, dry_run, output_format) -> None:
    """Check every record's hash and its link to the one before; name the first problem and its line."""
    if dry_run and not repair_tail:
        raise UsageError("--dry-run applies to --repair-tail only", "add --repair-tail, or drop --dry-run")
    if pack is not None:
        _report(str(pack), verify_pack(pack), output_format)
        return
    path = _journal(journal, config_path)
    _require_journal(path, expect_head)
    verdict = verify_file(path, after=after, expect_head=expect_head)
    notes = []
    if repair_tail and verdict.problem is None:
        notes.append("nothing to repair: the last record is whole")
    elif repair_tail and verdict.problem is not None and verdict.problem.kind == "partial-tail" and dry_run:
        notes.append(f"dry run: would remove the partial record at line {verdict.problem.line}; nothing changed")
    elif repair_tail and verdict.problem is not None and verdict.problem.kind == "partial-tail":
        Journal(path).repair_tail(show=_show_removed)
        notes.append(f"removed the partial record at line {verdict.problem.line} and journalled the repair")
        verdict = verify_file(path, after=after, expect_head=expect_head)
    elif repair_tail and verdict.problem is not None:
        notes.append("not repaired: only a last record cut off by a crash is repaired; this is damage")
    _report(str(path), verdict, output_format, notes)


def _require_journal(path: Path, expect_head: str | None) -> None:
    """No journal is not 'not writable': either nothing ran yet, or (with a head kept elsewhere) it was removed."""
    if path.exists():
        return
    if expect_head is not None:
        raise JournalTampered(
            f"the journal {path} is missing, yet head {expect_head[:12]}... was recorded",
            "restore it from its copy (CI artifact, WORM bucket) and find who removed it",
        )
    raise ConfigError(
        f"there is no journal at {path}: nothing has been journalled in this estate yet",
        "byok writes it on the first `rotate apply` or `retire`; check state_dir in byok.toml or pass --journal",
    )


def _show_removed(removed: bytes) -> None:
    shown = removed[:_SHOWN_BYTES].decode("utf-8", "backslashreplace")
    more = f" ... ({len(removed)} bytes)" if len(removed) > _SHOWN_BYTES else ""
    click.echo(f"removing the partly written last record: {shown}{more}", err=True)


def _report(source: str, verdict: Verdict, output_format: str, notes: list[str] | None = None) -> None:
    problem = verdict.problem
    notes = list(notes or [])
    if verdict.anchor_seq is not None:
        notes.append(f"expected head found at seq {verdict.anchor_seq}")
    facts: list[tuple[Column | str, object]] = [
        (identifier("journal"), source),
        ("status", "OK" if problem is None else "TAMPERED"),
        ("records", verdict.records),
        (identifier("head"), verdict.head),
        ("line", problem.line if problem else None),
        ("problem", problem.message if problem else None),
    ]
    emit(Listing("audit_verify", "audit verify", [], [], notes, facts), output_format)
    if problem is not None:
        raise JournalTampered(problem.message, "compare with a copy of the journal; find who wrote to it")


@audit.command("export")
@journal_option
@config_option
@click.option("--since", required=True, metavar="DATE", help="Start (UTC date or ISO time), inclusive.")
@click.option("--until", required=True, metavar="DATE", help="End (UTC date or ISO time); a date includes that day.")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="A new directory, or a FILE.tar.gz.",
)
def export_cmd(journal, config_path, since, until, out) -> None:
    """Write an evidence pack for a period: summary.md, the raw records, their chain anchors, SHA256SUMS."""
    try:
        period = Period.parse(since, until)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--since/--until") from None
    path = _journal(journal, config_path)
    _require_journal(path, None)
    exported = export_period(path, period, out)
    anchors = exported.anchors
    click.echo(
        f"wrote {exported.out}: {exported.records} records, anchors prev {anchors['prev']} "
        f"last {anchors['last']}; journal head {anchors['journal_head']}"
    )
