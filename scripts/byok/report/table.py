"""Terminal table (rich) of findings, worst first, through the same renderer as every listing.

Info findings (BYOK-D011's explanations) stay out of the table unless ``--verbose``: they never gate and
would bury the findings that do. The footer says how many were left out; JSON, SARIF and ASFF carry all.
"""

from __future__ import annotations

from byok.drift.engine import DriftResult
from byok.drift.findings import Severity
from byok.report.options import ReportOptions, where
from byok.report.summary import counts_line

COLUMNS = ["severity", "rule", "resource", "key", "gen", "detail"]


def render(result: DriftResult, options: ReportOptions) -> str:
    from byok.output import table  # rich only when a table is drawn: the Lambda monitor has no rich
    from byok.output.model import Listing

    shown = [f for f in result.findings if options.verbose or f.severity is not Severity.INFO]
    rows: list[dict[str, object]] = [
        {
            "severity": f.severity.value,
            "rule": f.rule_id,
            "resource": where(f),
            "key": f.key,
            "gen": f.generation,
            "detail": f.detail,
        }
        for f in shown
    ]
    title = f"byok drift ({', '.join(result.sources)})"
    footer = [counts_line(result, options)]
    if len(shown) < len(result.findings):
        footer.append(f"{len(result.findings) - len(shown)} info finding(s) not shown (--verbose shows them)")
    return table.render(Listing(title, COLUMNS, rows, footer))
