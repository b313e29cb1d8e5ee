"""How wide the reader's terminal is: ``COLUMNS`` first (what shells and CI set), then the tty itself.

Output that goes to a file or a pipe has no width: tables take their natural width, so nothing is wrapped for grep.
"""

from __future__ import annotations

import os
import sys

from byok.output.model import View

NARROWEST = 20  # below this, wrapping helps nobody: treat as unlimited


def terminal_view(wide: bool = False) -> View:
    if wide:
        return View(None)
    return View(terminal_width())


def terminal_width() -> int | None:
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= NARROWEST:
        return int(columns)
    if not sys.stdout.isatty():
        return None
    try:
        width = os.get_terminal_size(sys.stdout.fileno()).columns
    except OSError:
        return None
    return width if width >= NARROWEST else None
