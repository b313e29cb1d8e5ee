"""Tabular command output, one module per format, chosen with ``--output``.

Findings (SARIF, JUnit, ASFF) have their own formats in ``byok.report``; this package is for
listings such as materials, probes and inventories.
"""

from __future__ import annotations

from collections.abc import Callable

from byok.output import json_format, markdown, table
from byok.output.model import Listing

FORMATS: dict[str, Callable[[Listing], str]] = {
    "table": table.render,
    "json": json_format.render,
    "markdown": markdown.render,
}

__all__ = ["FORMATS", "Listing"]
