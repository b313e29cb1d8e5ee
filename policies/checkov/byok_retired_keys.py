"""The list of retired keys that byok hands to Checkov, read from the file named by an env var.

Checkov offers no way to pass data to a custom check, so byok writes the list to a file and names it in
``BYOK_RETIRED_KEYS_FILE``. A list that cannot be read must never look like an empty list: that would
turn the retired-key check into one that cannot fail, so every problem raises ``RetiredKeysUnreadable``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

from byok_shared import key_tokens

ENV_VAR = "BYOK_RETIRED_KEYS_FILE"


class RetiredKeysUnreadable(Exception):
    """The env var names a file that is missing, unreadable or holds something that is not a key."""


def retired_tokens() -> frozenset[str] | None:
    """Normalised tokens of every retired key, or None when no list was given at all."""
    path = os.environ.get(ENV_VAR)
    return _load(path) if path else None


@lru_cache(maxsize=4)
def _load(path: str) -> frozenset[str]:
    """Parse once per Checkov run: the check calls this for every resource it scans."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise RetiredKeysUnreadable(f"{ENV_VAR}={path}: {exc.strerror or exc}") from None
    entries = _json_entries(path, text) if text.lstrip().startswith("[") else _line_entries(text)
    tokens: set[str] = set()
    for entry in entries:
        found = key_tokens(entry)
        if len(found) != 1:
            raise RetiredKeysUnreadable(f"{ENV_VAR}={path}: {entry!r} is not one key ID, key ARN or alias")
        tokens |= found
    return frozenset(tokens)


def _json_entries(path: str, text: str) -> list[str]:
    try:
        entries = json.loads(text)
    except ValueError as exc:
        raise RetiredKeysUnreadable(f"{ENV_VAR}={path}: not valid JSON ({exc})") from None
    if not isinstance(entries, list) or not all(isinstance(entry, str) for entry in entries):
        raise RetiredKeysUnreadable(f"{ENV_VAR}={path}: a JSON list must hold only strings")
    return entries


def _line_entries(text: str) -> list[str]:
    """One identifier per line; blank lines and ``#`` comments are allowed for hand-kept lists."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
