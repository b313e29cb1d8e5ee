"""JSON, for scripts and CI: the document's body with snake_case keys, real arrays and ISO dates.

The shape of every kind is documented in ``schemas/`` (JSON Schema) and the tests validate real command output
against it, so a renamed or added field is a visible change of the contract, not an accident.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from enum import Enum

from byok.output.model import SNAKE_CASE, Document, Streamed, View


def render(document: Document, view: View | None = None) -> str:
    return "".join(chunks(document))


def chunks(document: Document) -> Iterator[str]:
    """The text of ``json.dumps(body, indent=2)``, written a top-level field and a streamed array item at a time.

    So a caller that writes the chunks as they come never holds the whole text, nor every item of a
    :class:`Streamed` array: memory stays flat however many findings a drift run has.
    """
    if not document.body:
        yield "{}\n"
        return
    separator = "{"
    for key, value in document.body.items():
        yield f"{separator}\n  {json.dumps(_key(key))}: "
        separator = ","
        if isinstance(value, Streamed):
            yield from _array(value)
        else:
            yield _nested(plain(value), 1)
    yield "\n}\n"


def _array(items: Streamed) -> Iterator[str]:
    opening = "["
    for item in items:
        yield f"{opening}\n    {_nested(plain(item), 2)}"
        opening = ","
    yield "[]" if opening == "[" else "\n  ]"


def _nested(value: object, depth: int) -> str:
    """``value`` as json.dumps(indent=2) writes it ``depth`` levels down (JSON strings hold no raw newline)."""
    return json.dumps(value, indent=2).replace("\n", "\n" + "  " * depth)


def plain(value: object) -> object:
    """JSON values only: enums by value, dates ISO, tuples and sets as arrays, dataclasses as objects."""
    kind = type(value)
    if value is None or kind in _SCALARS:
        return value
    if kind is dict or isinstance(value, Mapping):
        return {_key(k): plain(v) for k, v in value.items()}  # type: ignore[union-attr]
    if kind in _SEQUENCES:
        return [plain(item) for item in value]  # type: ignore[union-attr]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    return str(value)


_SCALARS = frozenset({str, int, float, bool})
_SEQUENCES = frozenset({list, tuple, set, frozenset})


@functools.cache
def _key(key: object) -> str:
    if not isinstance(key, str) or not SNAKE_CASE.fullmatch(key):
        raise ValueError(f"JSON key {key!r} is not snake_case")
    return key
