"""Terminal table (rich) of findings, worst first, through the same renderer as every listing."""

from __future__ import annotations

from byok.drift.engine import DriftResult
from byok.report.options import ReportOptions, where
from byok.report.summary import counts_line

COLUMNS = ["severity", "rule", "resource", "key", "gen", "detail"]


def render(result: DriftResult, options: ReportOptions) -> str:
    from byok.output import table  # rich only when a table is drawn: the Lambda monitor has no rich
    from byok.output.model import Listing

    rows: list[dict[str, object]] = [
        {
            "severity": f.severity.value,
            "rule": f.rule_id,
            "resource": where(f),
            "key": f.key,
            "gen": f.generation,
            "detail": f.detail,
        }
        for f in result.findings
    ]
    title = f"byok drift ({', '.join(result.sources)})"
    return table.render(Listing(title, COLUMNS, rows, [counts_line(result, options)]))
