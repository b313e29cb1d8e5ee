"""Terminal table (rich), for people at a prompt."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from byok.output.model import Listing, cell


def render(listing: Listing) -> str:
    table = Table(title=listing.title, title_justify="left")
    for column in listing.columns:
        table.add_column(column)
    for row in listing.rows:
        table.add_row(*(cell(row.get(column)) for column in listing.columns))
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    console.print(table)
    for note in listing.notes:
        console.print(note)
    return buffer.getvalue()
