"""JSON, for scripts and CI: rows keep their column names; notes travel alongside."""

from __future__ import annotations

import json

from byok.output.model import Listing, cell


def render(listing: Listing) -> str:
    document = {
        "title": listing.title,
        "rows": [{column: _value(row.get(column)) for column in listing.columns} for row in listing.rows],
        "notes": listing.notes,
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def _value(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    return cell(value)
