"""Check what a command printed with ``-o json`` against the documented contract (output.schema.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA = Path(__file__).resolve().parents[2] / "scripts" / "byok" / "output" / "schemas" / "output.schema.json"


@cache
def schema() -> dict[str, Any]:
    document = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return document


def documented(text: str, kind: str) -> dict[str, Any]:
    """The parsed document, after checking it is the ``kind`` the schema describes (every key, every type)."""
    document = json.loads(text)
    assert document.get("kind") == kind, document.get("kind")
    definition = {"$ref": f"#/$defs/{kind}", "$defs": schema()["$defs"]}
    jsonschema.Draft202012Validator(definition).validate(document)
    jsonschema.Draft202012Validator(schema()).validate(document)  # and it is the only kind it matches
    return document
