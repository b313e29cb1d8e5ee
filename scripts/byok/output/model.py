"""The one shape every listing takes before a format renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


@dataclass(frozen=True)
class Listing:
    title: str
    columns: list[str]
    rows: list[dict[str, object]]
    notes: list[str] = field(default_factory=list)


def cell(value: object) -> str:
    """Human text for a cell: dates in UTC ISO form, enums by value, absent as a dash."""
    if value is None or value == "":
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)
