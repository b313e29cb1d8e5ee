"""The one shape every document takes before a format renders it: listings and drift findings alike.

A document has a JSON body (what scripts read, documented in ``schemas/``) and a human view: facts about the
subject, sections of rows, notes. Formats render the human view (table, markdown) or the body (json), so terminal
width, escaping and JSON value conversion are each solved once, in one module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Generic, TypeVar

T = TypeVar("T")
SNAKE_CASE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Column:
    """A field of a row: ``key`` is the JSON name, ``header`` what people read.

    An ``identifier`` (key ARN, key ID, material ID, HSM label) is never cut or wrapped: a user copies it. An
    optional column (``drop`` > 0) goes when the terminal is too narrow, highest ``drop`` first, then the rightmost
    (``--wide`` or ``-o json`` show it).
    """

    key: str
    header: str = ""
    identifier: bool = False
    drop: int = 0

    def __post_init__(self) -> None:
        if not SNAKE_CASE.fullmatch(self.key):
            raise ValueError(f"column key {self.key!r} is not snake_case")
        if not self.header:
            object.__setattr__(self, "header", self.key.replace("_", " "))


def identifier(key: str, header: str = "") -> Column:
    return Column(key, header, identifier=True)


def optional(key: str, header: str = "", drop: int = 1) -> Column:
    return Column(key, header, drop=drop)


@dataclass(frozen=True)
class Section:
    """Rows under one heading and its caption; ``folded`` is reference material (Markdown: inside ``<details>``)."""

    title: str | None
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, object], ...]
    folded: bool = False
    caption: str | None = None


@dataclass(frozen=True)
class Streamed(Generic[T]):
    """A body array too large to build whole (100,000 keys' findings): each item is made as the JSON is written.

    ``items`` must be iterable more than once (a tuple); ``convert`` turns one into its JSON object.
    """

    items: Iterable[T]
    convert: Callable[[T], object]

    def __iter__(self) -> Iterator[object]:
        return (self.convert(item) for item in self.items)


@dataclass(frozen=True)
class Document:
    kind: str  # the JSON body's "kind", and its definition in schemas/
    title: str
    body: Mapping[str, object]
    facts: tuple[tuple[Column, object], ...] = ()
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class View:
    """How wide a table may be: ``width=None`` is unlimited (``--wide``, or output that is not a terminal)."""

    width: int | None = None


def cell(value: object, compact: bool = False) -> str:
    """Human text for a value: dates in UTC ISO form, enums by value, lists joined, yes/no, absent as a dash.

    ``compact`` (terminal tables): a time at midnight UTC is its date, any other ``YYYY-MM-DD HH:MMZ``, so that a
    narrow column can wrap it at the space.
    """
    if value is None or value == "" or value == [] or value == ():
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime) and compact and value.utcoffset() is not None:
        utc = value.astimezone(UTC)
        return utc.date().isoformat() if utc.time() == time() else utc.strftime("%Y-%m-%d %H:%MZ")
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ", ".join(cell(item, compact) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Listing:
    """A command's result as rows of one kind (materials, keys, steps) plus facts about their subject.

    The JSON body is ``{"kind", "title", <facts>, "rows": [...], "notes": [...]}`` with the columns' keys; rows
    are left out when a listing has no columns (``hsm probe`` is facts only).
    """

    kind: str
    title: str
    columns: list[Column | str]
    rows: list[dict[str, object]]
    notes: list[str] = field(default_factory=list)
    facts: list[tuple[Column | str, object]] = field(default_factory=list)

    def document(self) -> Document:
        columns = tuple(_column(c) for c in self.columns)
        facts = tuple((_column(c), value) for c, value in self.facts)
        keys = {column.key for column in columns}
        for row in self.rows:
            if set(row) - keys:
                raise ValueError(f"{self.kind}: row fields {sorted(set(row) - keys)} are not columns")
        body: dict[str, object] = {"kind": self.kind, "title": self.title}
        body.update({column.key: value for column, value in facts})
        if columns:
            body["rows"] = [{column.key: row.get(column.key) for column in columns} for row in self.rows]
        body["notes"] = list(self.notes)
        sections = (Section(None, columns, tuple(self.rows)),) if columns else ()
        return Document(self.kind, self.title, body, facts, sections, tuple(self.notes))


def _column(spec: Column | str) -> Column:
    return spec if isinstance(spec, Column) else Column(spec)
