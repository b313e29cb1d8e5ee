"""Where each AWS resource type keeps the KMS key that encrypts it, as Checkov presents the block.

The map is byok's catalogue (``byok.keyscan.catalogue``), so the retired-key check, ``byok drift`` and the
plan and live sources look at the same attributes: a new resource type is covered by all or by none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import byok_shared  # noqa: F401 - puts byok.keyscan on sys.path

from byok.keyscan.catalogue import RESOURCES

KEY_ATTRIBUTES: dict[str, tuple[tuple[str, ...], ...]] = {
    resource_type: tuple(tuple(path.split(".")) for path in paths) for resource_type, paths in RESOURCES.items()
}


def key_values(conf: dict[str, Any], resource_type: str) -> Iterator[tuple[str, str]]:
    """Yield ``(evaluated key, value)`` for every string the resource gives as an encryption key.

    Checkov wraps every attribute and every nested block in a list, and a block may repeat (several
    ``rule`` blocks), so the path is walked through each element; the evaluated key uses Checkov's own
    ``name/[index]/name`` form so that its report points at the exact attribute.
    """
    for path in KEY_ATTRIBUTES.get(resource_type, ()):
        yield from _walk(conf, path, "")


def _walk(node: dict[str, Any], path: tuple[str, ...], prefix: str) -> Iterator[tuple[str, str]]:
    name, rest = path[0], path[1:]
    values = node.get(name)
    if not isinstance(values, list):
        values = [values] if values is not None else []
    for index, value in enumerate(values):
        if rest and isinstance(value, dict):
            yield from _walk(value, rest, f"{prefix}{name}/[{index}]/")
        elif not rest and isinstance(value, str):
            yield f"{prefix}{name}", value
