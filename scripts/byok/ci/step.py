"""How every CI step ends: byok's one-line errors and exit codes, so a pipeline log reads like the CLI's."""

from __future__ import annotations

import sys
from collections.abc import Callable

from byok.errors import ByokError


def run(step: Callable[[], int]) -> int:
    try:
        return step()
    except ByokError as error:
        print(f"byok-ci: error: {error}", file=sys.stderr)
        return error.exit_code
