"""Markdown, for PR descriptions and reports."""

from __future__ import annotations

from byok.output.model import Listing, cell


def render(listing: Listing) -> str:
    lines = [f"### {listing.title}", ""]
    lines.append("| " + " | ".join(listing.columns) + " |")
    lines.append("|" + "---|" * len(listing.columns))
    for row in listing.rows:
        lines.append("| " + " | ".join(_escape(cell(row.get(column))) for column in listing.columns) + " |")
    lines.extend(["", *(f"> {note}" for note in listing.notes)])
    return "\n".join(lines).rstrip() + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
