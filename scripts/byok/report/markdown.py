"""Markdown for the PR comment and the nightly report: findings to act on first, notes and keys folded away."""

from __future__ import annotations

from byok.drift.engine import DriftResult
from byok.drift.findings import Finding, Severity
from byok.report.keys import earliest_expiry
from byok.report.options import ReportOptions, where
from byok.report.summary import counts_line

ICONS = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🟧",
    Severity.MEDIUM: "🟨",
    Severity.LOW: "🟦",
    Severity.INFO: "ℹ️",
}


def render(result: DriftResult, options: ReportOptions) -> str:
    actionable = [f for f in result.findings if f.severity is not Severity.INFO]
    notes = [f for f in result.findings if f.severity is Severity.INFO]
    verdict = "❌ fails" if any(options.fails(f) for f in result.findings) else "✅ passes"
    lines = [
        f"## byok drift: {verdict} the gate",
        "",
        f"{counts_line(result, options)}. Sources: {', '.join(result.sources)}; "
        f"generated {result.generated_at.isoformat(timespec='seconds')}; horizon {result.horizon_days} days.",
        "",
    ]
    if actionable:
        lines += ["| | Severity | Rule | Resource | Key | Detail |", "|---|---|---|---|---|---|"]
        lines += [_row(f) for f in actionable]
        lines += ["", "<details><summary>What to do</summary>", ""]
        lines += [f"- **{f.rule_id}** `{_escape(where(f))}`: {_escape(f.remediation)}" for f in actionable]
        lines += ["", "</details>", ""]
    else:
        lines += ["No drift: every reference, alias, age and material matches the intended state.", ""]
    if notes:
        lines += [f"<details><summary>Notes ({len(notes)}, not failures)</summary>", ""]
        lines += [f"- **{f.rule_id}** `{_escape(where(f))}`: {_escape(f.detail)}" for f in notes]
        lines += ["", "</details>", ""]
    if result.keys:
        lines += [f"<details><summary>Keys ({len(result.keys)})</summary>", ""]
        lines += [
            "| Key | Env | Gen | State | Rotated | Next due | Earliest material expiry |",
            "|---|---|---|---|---|---|---|",
        ]
        for key in result.keys:
            cells = [
                key.name,
                key.environment,
                key.generation,
                key.state,
                key.rotated,
                key.next_due,
                earliest_expiry(key),
            ]
            lines.append("| " + " | ".join(_escape(_text(c)) for c in cells) + " |")
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def _row(finding: Finding) -> str:
    cells = [
        ICONS[finding.severity],
        finding.severity.value,
        f"`{finding.rule_id}` {finding.title}",
        f"`{where(finding)}`",
        _text(finding.key) + (f" g{finding.generation}" if finding.generation else ""),
        finding.detail,
    ]
    return "| " + " | ".join(_escape(c) for c in cells) + " |"


def _text(value: object) -> str:
    return "-" if value in (None, "") else str(value)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
