"""Drift reports, one module per format behind one signature: ``render(result, options) -> str``.

JSON can also be written as it is made (``chunks``): a run over 100,000 keys then never holds its whole text.

Table, JSON and Markdown are the formats every document has (``byok.output``), fed the findings document of
``report.document``; SARIF for code scanning, JUnit for test dashboards, ASFF for Security Hub and HTML for people
exist only for findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from byok import output
from byok.drift.engine import DriftResult
from byok.output import json_format
from byok.output.terminal import terminal_view
from byok.report import asff, html, junit, sarif
from byok.report.document import findings_document
from byok.report.options import ReportOptions

Renderer = Callable[[DriftResult, ReportOptions], str]


def _through(name: str, keys: bool = False) -> Renderer:
    """A format every document has, fed the findings document; ``keys`` adds the nightly report's key table."""

    def render(result: DriftResult, options: ReportOptions) -> str:
        return output.FORMATS[name](findings_document(result, options, keys), terminal_view(options.wide))

    return render


FORMATS: dict[str, Renderer] = {
    "table": _through("table"),
    "json": _through("json"),
    "markdown": _through("markdown"),
    "sarif": sarif.render,
    "junit": junit.render,
    "asff": asff.render,
}


def chunks(output_format: str, result: DriftResult, options: ReportOptions) -> Iterator[str]:
    """The rendered text in pieces: JSON streamed item by item, every other format in one piece."""
    if output_format == "json":
        return json_format.chunks(findings_document(result, options))
    return iter([FORMATS[output_format](result, options)])


NIGHTLY: dict[str, Renderer] = {"md": _through("markdown", keys=True), "html": html.render}

__all__ = ["FORMATS", "NIGHTLY", "ReportOptions", "Renderer", "chunks"]
