"""Facts from Terraform code: literal key IDs, ARNs and aliases in ``.tf`` and ``.tfvars``, with file and line.

A reference written as an expression (``module.key.key_arn``) follows rotations; a literal does not, so
literals are what this source reports. python-hcl2 gives the block structure but no line numbers, so the
line comes from a search of the literal in the file's text; files without any candidate literal are not
parsed at all, which keeps a scan of thousands of files close to the cost of reading them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import hcl2
from hcl2 import SerializationOptions
from lark.exceptions import LarkError

from byok.drift.facts import Fact, GapFact, UsageFact
from byok.drift.findings import Resource
from byok.drift.reference import CANDIDATE, KeyReference, ReferenceKind

_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
SKIPPED_DIRS = {".terraform", ".git", ".venv", "node_modules", "__pycache__"}
SUFFIXES = (".tf", ".tfvars")
# Attributes that define a key or alias rather than use one.
DEFINITIONS = {("aws_kms_alias", "name")}


class CodeSource:
    name = "code"

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self) -> Iterator[Path]:
        if self.root.is_file():
            yield self.root
            return
        for path in sorted(self.root.rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and not SKIPPED_DIRS.intersection(path.parts):
                yield path

    def facts(self) -> Iterator[Fact]:
        for path in self.files():
            yield from self.file_facts(path)

    def file_facts(self, path: Path) -> Iterator[Fact]:
        relative = path.relative_to(self.root).as_posix() if path != self.root else path.name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            yield GapFact(Resource("file", relative, file=relative), f"cannot read {relative}: {exc}", "code")
            return
        if not CANDIDATE.search(text):
            return
        try:
            document = hcl2.loads(text, serialization_options=_OPTIONS)
        except (LarkError, ValueError, UnicodeError) as exc:
            reason = f"{relative} is not valid HCL: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}"
            yield GapFact(Resource("file", relative, file=relative), reason, "code")
            return
        lines = _LineFinder(text)
        for block_type, block_id, body in _blocks(document, tfvars=path.suffix == ".tfvars"):
            for attribute, value in _strings(body):
                if (block_type, attribute.rsplit(".", 1)[-1]) in DEFINITIONS:
                    continue
                for literal in _literals(attribute, value):
                    reference = KeyReference.parse(literal)
                    if reference is None:
                        continue
                    resource = Resource(block_type, block_id, file=relative, line=lines.next(literal))
                    yield UsageFact(resource, reference, attribute, "code", literal=True)


def _blocks(document: dict, tfvars: bool) -> Iterator[tuple[str, str, object]]:
    """(type, address, body) of every block whose attributes may hold a key reference."""
    if tfvars:
        for name, value in document.items():
            yield "tfvars", f"var.{name}", {name: value}  # the variable's name says whether it holds a key
        return
    for block in document.get("resource", []):
        for rtype, named in block.items():
            for name, body in named.items():
                yield rtype, f"{rtype}.{name}", body
    for block in document.get("data", []):
        for dtype, named in block.items():
            for name, body in named.items():
                yield f"data.{dtype}", f"data.{dtype}.{name}", body
    for kind in ("module", "variable", "output"):
        for block in document.get(kind, []):
            for name, body in block.items():
                yield kind, f"{'var' if kind == 'variable' else kind}.{name}", body
    for block in document.get("locals", []):
        for name, value in block.items():
            yield "locals", f"local.{name}", {name: value}


def _strings(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, path)


def _literals(attribute: str, value: str) -> Iterator[str]:
    """Whole-string literals, and key IDs/ARNs embedded in expressions (``coalesce(var.k, "arn:...")``)."""
    if "${" not in value:
        reference = KeyReference.parse(value)
        if reference is not None and (_key_like(attribute) or reference.kind is not ReferenceKind.KEY_ID):
            yield value
        return
    for match in CANDIDATE.finditer(value):
        reference = KeyReference.parse(match.group(0))
        if reference is not None and not reference.is_alias:
            yield match.group(0)


def _key_like(attribute: str) -> bool:
    """A bare UUID is a key ID only where a key is expected; elsewhere it is just an ID."""
    last = attribute.rsplit(".", 1)[-1].lower()
    return "key" in last or "kms" in last


class _LineFinder:
    """The n-th lookup of a literal gets its n-th occurrence: hcl2 walks blocks in file order."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: dict[str, list[int]] = {}
        self._used: dict[str, int] = defaultdict(int)

    def next(self, literal: str) -> int | None:
        lines = self._lines.get(literal)
        if lines is None:
            lines = self._lines[literal] = self._occurrences(literal)
        if not lines:
            return None
        index = min(self._used[literal], len(lines) - 1)
        self._used[literal] += 1
        return lines[index]

    def _occurrences(self, literal: str) -> list[int]:
        """Lines of the literal as a quoted string (so a key ID is not found inside an ARN), else anywhere."""
        return self._find(f'"{literal}"') or self._find(literal)

    def _find(self, needle: str) -> list[int]:
        lines, index = [], self._text.find(needle)
        while index >= 0:
            lines.append(self._text.count("\n", 0, index) + 1)
            index = self._text.find(needle, index + 1)
        return lines
