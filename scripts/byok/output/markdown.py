"""Markdown, for PR descriptions, comments and the nightly report: escaped once, for every document kind."""

from __future__ import annotations

from byok.output.model import Column, Document, Section, View, cell


def render(document: Document, view: View | None = None) -> str:
    lines = [f"## {escape(document.title)}", ""]
    if document.facts:
        lines += [f"- **{escape(column.header)}**: {_text(column, value)}" for column, value in document.facts]
        lines.append("")
    for section in document.sections:
        lines += _section(section)
    lines += [f"> {escape(note)}" for note in document.notes]
    return "\n".join(lines).rstrip() + "\n"


def escape(text: str) -> str:
    """Text safe inside a table cell and outside one: pipes escaped, lines joined, HTML tags defused."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def code(text: str) -> str:
    """An identifier as inline code, so Markdown neither links nor mangles it."""
    return "`" + text.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`" if text != "-" else "-"


def _text(column: Column, value: object) -> str:
    return code(cell(value)) if column.identifier else escape(cell(value))


def _section(section: Section) -> list[str]:
    lines: list[str] = []
    if section.folded:
        lines += [f"<details><summary>{escape(section.title or '')} ({len(section.rows)})</summary>", ""]
    elif section.title:
        lines += [f"### {escape(section.title)}", ""]
    if section.caption:
        lines += [escape(section.caption), ""]
    if section.rows:
        lines.append("| " + " | ".join(escape(c.header) for c in section.columns) + " |")
        lines.append("|" + "---|" * len(section.columns))
        for row in section.rows:
            lines.append("| " + " | ".join(_text(c, row.get(c.key)) for c in section.columns) + " |")
    else:
        lines.append("(none)")
    lines.append("")
    if section.folded:
        lines += ["</details>", ""]
    return lines
