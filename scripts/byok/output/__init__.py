"""Command output: documents (listings here, drift findings in ``byok.report``) and one module per format.

``table``, ``json`` and ``markdown`` render any document; findings have further formats of their own (SARIF,
JUnit, ASFF, HTML) in ``byok.report``. Chosen with ``--output``.
"""

from __future__ import annotations

from collections.abc import Callable

from byok.output import json_format, markdown, table
from byok.output.model import Column, Document, Listing, Section, View, identifier, optional

Renderer = Callable[[Document, View], str]

FORMATS: dict[str, Renderer] = {
    "table": table.render,
    "json": json_format.render,
    "markdown": markdown.render,
}

__all__ = ["FORMATS", "Column", "Document", "Listing", "Renderer", "Section", "View", "identifier", "optional"]
