"""Drift findings as a document: the JSON body scripts read, and the grouped view people read.

People see findings grouped by rule, worst first; findings below ``--min-severity`` (info by default: notes such
as "this key is not managed by byok") are counted in one line per rule instead of burying the ones that matter.
The JSON body always carries every finding: CI and dashboards decide for themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Any

from byok.drift.engine import DriftResult, KeySummary
from byok.drift.findings import RULES, Finding
from byok.output.model import Column, Document, Section, Streamed, identifier
from byok.report.keys import earliest_expiry
from byok.report.options import ReportOptions, where
from byok.report.summary import counts, counts_line

KIND = "drift"
NO_DRIFT = "No drift: every reference, alias, age and material matches the intended state."
FINDING_COLUMNS = (identifier("resource"), Column("key"), Column("detail"), Column("fix"))
KEY_COLUMNS = (
    Column("key"),
    Column("environment", "env"),
    Column("generation", "gen"),
    Column("state"),
    Column("rotated"),
    Column("next_due", "next due"),
    Column("earliest_expiry", "earliest material expiry"),
    identifier("arn"),
)


def findings_document(result: DriftResult, options: ReportOptions, keys: bool = False) -> Document:
    """``keys`` adds the folded key table of the nightly report."""
    shown = [f for f in result.findings if f.severity.at_least(options.min_severity)]
    hidden = [f for f in result.findings if not f.severity.at_least(options.min_severity)]
    verdict = "fails" if any(options.fails(f) for f in result.findings) else "passes"
    title = f"byok drift ({', '.join(result.sources)}): {verdict} the gate"
    facts = (
        (Column("summary"), counts_line(result, options)),
        (Column("generated_at", "generated"), result.generated_at.isoformat(timespec="seconds")),
        (Column("horizon_days", "expiry horizon (days)"), result.horizon_days),
    )
    sections = [_rule_section(rule_id, found) for rule_id, found in _by_rule(shown).items()]
    if keys and result.keys:
        sections.append(Section("Keys", KEY_COLUMNS, tuple(_key_row(k) for k in result.keys), folded=True))
    notes = [] if shown else [NO_DRIFT if not result.findings else f"nothing at or above {options.min_severity.value}"]
    notes += [
        f"{len(found)} {found[0].severity.value} finding(s) of {rule_id} ({RULES[rule_id].title}) not listed: "
        "--verbose or --min-severity lists them"
        for rule_id, found in _by_rule(hidden).items()
    ]
    return Document(KIND, title, body(result, options), facts, tuple(sections), tuple(notes))


def body(result: DriftResult, options: ReportOptions) -> dict[str, Any]:
    """The JSON document (schemas/drift.schema.json): every field of every finding, and the key timeline data."""
    return {
        "kind": KIND,
        "generated_at": result.generated_at.isoformat(),
        "sources": list(result.sources),
        "horizon_days": result.horizon_days,
        "fail_on": options.fail_on.value if options.fail_on else "none",
        "summary": {severity.value: n for severity, n in counts(result).items()},
        "failed": any(options.fails(f) for f in result.findings),
        "findings": Streamed(result.findings, _finding),
        "keys": Streamed(result.keys, _key),
    }


def _by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Worst rule first (the engine orders findings by severity), each rule's findings together."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in sorted(findings, key=lambda f: -f.severity.rank):
        groups[finding.rule_id].append(finding)
    return dict(groups)


def _rule_section(rule_id: str, findings: list[Finding]) -> Section:
    """One remedy shared by every finding of the rule is said once, under the heading, not on every row."""
    severity = findings[0].severity.value
    remedies = {f.remediation for f in findings}
    shared = remedies.pop() if len(remedies) == 1 and len(findings) > 1 else None
    rows = tuple(
        {
            "resource": where(f),
            "key": (f.key or "-") + (f" g{f.generation}" if f.generation else ""),
            "detail": f.detail,
            **({} if shared else {"fix": f.remediation}),
        }
        for f in findings
    )
    return Section(
        f"{severity.upper()} {rule_id} {RULES[rule_id].title} ({len(findings)})",
        FINDING_COLUMNS[:-1] if shared else FINDING_COLUMNS,
        rows,
        caption=f"fix: {shared}" if shared else None,
    )


def _key_row(key: KeySummary) -> dict[str, object]:
    return {
        "key": key.name,
        "environment": key.environment,
        "generation": key.generation,
        "state": key.state,
        "rotated": key.rotated,
        "next_due": key.next_due,
        "earliest_expiry": earliest_expiry(key),
        "arn": key.arn,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "title": finding.title,
        "resource": asdict(finding.resource),
        "key": finding.key,
        "generation": finding.generation,
        "detail": finding.detail,
        "remediation": finding.remediation,
        "source": finding.source,
        "material_id": finding.material_id,
        "fingerprint": finding.fingerprint,
    }


def _key(key: KeySummary) -> dict[str, Any]:
    document = asdict(key)
    document["materials"] = [
        {
            "material_id": m.material_id,
            "state": m.state.value,
            "import_state": m.import_state.value if m.import_state else None,
            "valid_to": m.valid_to.isoformat() if m.valid_to else None,
        }
        for m in key.materials
    ]
    return document
