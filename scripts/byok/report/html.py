"""The nightly report as one self-contained HTML page: timeline first, then what to do, then the keys.

Inline CSS and SVG only, so the page can be mailed, archived as a CI artifact, or opened offline.
"""

from __future__ import annotations

from html import escape

from byok.drift.engine import DriftResult
from byok.drift.findings import Severity
from byok.report.keys import earliest_expiry
from byok.report.options import ReportOptions, where
from byok.report.summary import counts_line
from byok.report.timeline import svg

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.critical{background:#f8d0cc}.high{background:#fde2c4}.medium{background:#fff3c4}.low{background:#dfeefc}
.info{background:#eee}
code{font-size:12px}
"""
LEGEND = (
    "Bars run from the last rotation to the next due date (green: fine, amber: due within the horizon, red: overdue); "
    "diamonds mark material expiry (red: within the horizon or past). Hover for details."
)


def render(result: DriftResult, options: ReportOptions) -> str:
    title = f"byok nightly drift report {result.generated_at:%Y-%m-%d}"
    rows = "".join(
        f'<tr class="{f.severity.value}"><td>{f.severity.value}</td><td><code>{f.rule_id}</code> {escape(f.title)}</td>'
        f"<td><code>{escape(where(f))}</code></td><td>{escape(f.key or '-')}</td>"
        f"<td>{escape(f.detail)}</td><td>{escape(f.remediation)}</td></tr>"
        for f in result.findings
        if f.severity is not Severity.INFO
    )
    notes = "".join(
        f"<li><code>{f.rule_id}</code> <code>{escape(where(f))}</code>: {escape(f.detail)}</li>"
        for f in result.findings
        if f.severity is Severity.INFO
    )
    keys = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c) if c not in (None, '') else '-')}</td>" for c in cells) + "</tr>"
        for cells in (
            (k.name, k.environment, k.generation, k.state, k.strategy, k.rotated, k.next_due, earliest_expiry(k), k.arn)
            for k in result.keys
        )
    )
    findings_table = (
        "<table><tr><th>Severity</th><th>Rule</th><th>Resource</th><th>Key</th><th>Detail</th><th>What to do</th></tr>"
        f"{rows}</table>"
        if rows
        else "<p>No drift: every reference, alias, age and material matches the intended state.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p>{escape(counts_line(result, options))}. Sources: {escape(", ".join(result.sources))};
horizon {result.horizon_days} days; generated {result.generated_at.isoformat(timespec="seconds")}.</p>
<h2>Timeline</h2>
<p>{escape(LEGEND)}</p>
{svg(result)}
<h2>Findings</h2>
{findings_table}
{f"<h2>Notes (not failures)</h2><ul>{notes}</ul>" if notes else ""}
<h2>Keys</h2>
<table><tr><th>Key</th><th>Env</th><th>Gen</th><th>State</th><th>Strategy</th><th>Rotated</th><th>Next due</th>
<th>Earliest material expiry</th><th>ARN</th></tr>{keys}</table>
</body></html>
"""
