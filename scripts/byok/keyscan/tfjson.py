"""The strings of a ``.tf.json`` or ``.tfvars.json`` file, in the same shape as :mod:`byok.keyscan.hcl` gives.

Terraform's JSON syntax nests blocks as objects (``{"resource": {"aws_s3_bucket": {"logs": {...}}}}``), a block
that repeats as a list, ``"//"`` keys as comments and ``"${...}"`` templates inside strings. The walk is
iterative and in document order, which is also text order: the line of each candidate string is found by
searching its JSON spelling forward from the previous one, so a repeated literal gets its own line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from byok.keyscan.hcl import LOADED_PATH, Block, Loaded, ParsedFile, StringValue, Traversal, fill_templates
from byok.keyscan.reference import CANDIDATE

_TRAVERSAL = re.compile(r"\b(var|local)\.([^\W\d][\w-]*)|\b(each)\.(key|value)\b(?![.\[])")
_LOADED = re.compile(rf"\b(?:file|templatefile){LOADED_PATH}")
_NAMED = ("module", "variable", "output")
_NESTING = ("dynamic", "content")  # structure of a dynamic block, not part of the attribute path

Entry = tuple[Block, tuple[str, ...], Any]


def parse(text: str, tfvars: bool = False) -> ParsedFile:
    parsed = ParsedFile.of(text)
    try:
        document = json.loads(text)
    except RecursionError:
        parsed.error = "JSON nested too deeply to read"
        parsed.unread_from = 0
        return parsed
    except ValueError as exc:
        parsed.error = f"not valid JSON: {exc}"
        parsed.unread_from = 0
        return parsed
    if not isinstance(document, dict):
        parsed.error = "the top level is not a JSON object"
        parsed.unread_from = 0
        return parsed
    entries = _tfvars_entries(document) if tfvars else _block_entries(document)
    _walk(text, entries, parsed)
    return parsed


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _block_entries(document: dict[str, Any]) -> list[Entry]:
    entries: list[Entry] = []
    for kind, body in document.items():
        if not isinstance(body, dict) and kind != "locals":
            continue
        if kind in ("resource", "data"):
            for rtype, named in body.items():
                for name, item in named.items() if isinstance(named, dict) else ():
                    entries += [(Block(kind, rtype, name), (), one) for one in _items(item)]
        elif kind in _NAMED:
            for name, item in body.items():
                entries += [(Block(kind, "", name), (), one) for one in _items(item)]
        elif kind == "provider":
            for ptype, item in body.items():
                entries += [(Block(kind, ptype), (), one) for one in _items(item)]
        elif kind == "locals":
            for one in _items(body):
                if isinstance(one, dict):
                    entries += [(Block(kind), (name,), value) for name, value in one.items()]
        else:
            entries.append((Block(kind), (), body))
    return entries


def _tfvars_entries(document: dict[str, Any]) -> list[Entry]:
    block = Block("tfvars")
    return [(block, (name,), value) for name, value in document.items()]


def _walk(text: str, entries: list[Entry], parsed: ParsedFile) -> None:
    stack = list(reversed(entries))
    cursor = 0
    while stack:
        block, path, value = stack.pop()
        if isinstance(value, dict):
            children = [
                (block, path if key in _NESTING else (*path, key), item) for key, item in value.items() if key != "//"
            ]
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((block, path, item) for item in reversed(value))
        elif isinstance(value, str):
            for match in _TRAVERSAL.finditer(value):
                if "${" in value:
                    parsed.traversals.append(Traversal(block, path, ".".join(filter(None, match.groups()))))
            parsed.loaded.extend(Loaded(block, path, match["file"]) for match in _LOADED.finditer(value))
            if CANDIDATE.search(value):
                spelled = json.dumps(value, ensure_ascii=False)[1:-1]
                found = text.find(spelled, cursor)
                offset = found if found >= 0 else cursor
                cursor = offset + len(spelled) if found >= 0 else cursor
                parsed.strings.append(StringValue(block, path, fill_templates(value), offset))
