"""Counts per severity and the gate verdict, worded once for every human-readable format."""

from __future__ import annotations

from collections import Counter

from byok.drift.engine import DriftResult
from byok.drift.findings import Severity
from byok.report.options import ReportOptions


def counts(result: DriftResult) -> dict[Severity, int]:
    found = Counter(f.severity for f in result.findings)
    return {severity: found.get(severity, 0) for severity in Severity}


def counts_line(result: DriftResult, options: ReportOptions) -> str:
    parts = ", ".join(f"{n} {severity.value}" for severity, n in counts(result).items() if n)
    failing = sum(1 for f in result.findings if options.fails(f))
    gate = "no gate" if options.fail_on is None else f"{failing} at or above {options.fail_on.value}"
    return f"{len(result.findings)} finding(s){': ' + parts if parts else ''} ({gate})"
