"""Drift reports, one module per format behind one signature: ``render(result, options) -> str``.

Listings (materials, inventories) use ``byok.output``; findings need formats CI and security tooling read:
SARIF for code scanning, JUnit for test dashboards, ASFF for Security Hub, and HTML for people.
"""

from __future__ import annotations

from collections.abc import Callable

from byok.drift.engine import DriftResult
from byok.report import asff, html, json_format, junit, markdown, sarif, table
from byok.report.options import ReportOptions

Renderer = Callable[[DriftResult, ReportOptions], str]

FORMATS: dict[str, Renderer] = {
    "table": table.render,
    "json": json_format.render,
    "markdown": markdown.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "asff": asff.render,
}
NIGHTLY: dict[str, Renderer] = {"md": markdown.render, "html": html.render}

__all__ = ["FORMATS", "NIGHTLY", "ReportOptions", "Renderer"]
