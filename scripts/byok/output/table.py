"""Plain-text tables for people at a prompt, sized to the terminal without ever cutting an identifier.

At a given width a section is laid out in the first way that fits: every column (text wrapped at spaces, never
narrower than ``TEXT_MIN`` or its longest word); without the optional columns (a note names them); as records,
one ``header: value`` line per field, where an identifier too long for its line gets a line of its own. An
identifier is printed whole even when it is wider than the terminal: a cut ID is worse than a long line.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Mapping, Sequence

from byok.output.model import Column, Document, Section, View, cell

GAP = "  "
TEXT_MIN = 16  # a wrapped text column narrower than this reads as a word list
INDENT = "  "


def render(document: Document, view: View) -> str:
    width = view.width
    lines = _wrap(document.title, width)
    if document.facts:
        lines += ["", *_record(document.facts, width)]
    hidden: list[str] = []
    for section in document.sections:
        lines.append("")
        if section.title:
            lines += _wrap(section.title, width)
        if section.caption:
            lines += _wrap(section.caption, width)
        lines += _section(section, width, hidden)
    notes = list(document.notes)
    if hidden:
        names = ", ".join(dict.fromkeys(hidden))
        notes.append(f"columns left out at this width: {names} (--wide or -o json shows them)")
    if notes:
        lines.append("")
        for note in notes:
            lines += _wrap(note, width)
    return "\n".join(lines) + "\n"


def display_width(text: str) -> int:
    """Terminal cells taken by ``text``: wide East Asian characters and most emoji take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def _section(section: Section, width: int | None, hidden: list[str]) -> list[str]:
    if not section.rows:
        return ["(none)"]
    texts = [{c.key: cell(row.get(c.key), compact=True) for c in section.columns} for row in section.rows]
    natural = {c.key: _natural(c, texts) for c in section.columns}
    columns = list(section.columns)
    if width is None:
        return _grid(columns, texts, [natural[c.key] for c in columns])
    minimum = {c.key: _minimum(c, texts, natural[c.key]) for c in section.columns}
    while True:
        widths = _fit(columns, natural, minimum, width)
        if widths is not None:
            hidden += [c.header for c in section.columns if c not in columns]
            return _grid(columns, texts, widths)
        droppable = [c for c in columns if c.drop]
        if not droppable:
            break
        columns.remove(max(reversed(droppable), key=lambda c: c.drop))
    records: list[str] = []
    for number, row in enumerate(section.rows):
        if number:
            records.append("")
        records += _record([(c, row.get(c.key)) for c in section.columns], width)
    return records


def _natural(column: Column, texts: Sequence[Mapping[str, str]]) -> int:
    return max(display_width(column.header), *(display_width(t[column.key]) for t in texts))


def _minimum(column: Column, texts: Sequence[Mapping[str, str]], natural: int) -> int:
    """Identifiers whole; text no narrower than its longest word (an ARN in a sentence is still an ARN)."""
    if column.identifier:
        return natural
    longest_word = max((display_width(word) for t in texts for word in t[column.key].split()), default=0)
    return max(min(natural, max(TEXT_MIN, display_width(column.header))), longest_word)


def _fit(columns: list[Column], natural: Mapping[str, int], minimum: Mapping[str, int], width: int) -> list[int] | None:
    """Column widths that fit ``width``, or None: minimums first, then the room left shared by what text wants."""
    widths = [minimum[c.key] for c in columns]
    room = width - sum(widths) - len(GAP) * (len(columns) - 1)
    if room < 0:
        return None
    wants = [natural[c.key] - w for c, w in zip(columns, widths, strict=True)]
    total = sum(wants)
    if total <= room:
        return [w + want for w, want in zip(widths, wants, strict=True)]
    return [w + want * room // total for w, want in zip(widths, wants, strict=True)]


def _grid(columns: list[Column], texts: Sequence[Mapping[str, str]], widths: list[int]) -> list[str]:
    lines = [_line([c.header for c in columns], widths), _line(["─" * w for w in widths], widths)]
    for text in texts:
        cells = [
            [text[c.key]] if c.identifier else _wrapped(text[c.key], w) for c, w in zip(columns, widths, strict=True)
        ]
        for depth in range(max(len(lines_) for lines_ in cells)):
            lines.append(_line([part[depth] if depth < len(part) else "" for part in cells], widths))
    return lines


def _line(parts: list[str], widths: list[int]) -> str:
    padded = [part + " " * (w - display_width(part)) for part, w in zip(parts, widths, strict=True)]
    return GAP.join(padded).rstrip()


def _wrapped(text: str, width: int) -> list[str]:
    if display_width(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _record(fields: Sequence[tuple[Column, object]], width: int | None) -> list[str]:
    lines: list[str] = []
    for column, value in fields:
        label, text = f"{column.header}:", cell(value, compact=True)
        if width is None or display_width(f"{label} {text}") <= width:
            lines.append(f"{label} {text}")
        elif column.identifier:
            lines += [label, INDENT + text]  # whole, on a line of its own
        else:
            lines += textwrap.wrap(
                f"{label} {text}", width, subsequent_indent=INDENT, break_long_words=False, break_on_hyphens=False
            )
    return lines


def _wrap(text: str, width: int | None) -> list[str]:
    """Prose (titles, notes) wrapped at spaces only: an ID inside it stays whole."""
    if width is None:
        return [text]
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]
