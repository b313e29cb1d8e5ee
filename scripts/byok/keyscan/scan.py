"""Terraform files -> literal key references (with file, line, block address, attribute) and unreadable files.

The unit is a module directory, because that is where a value travels: a literal bare key ID in
``variable "scratch" { default = ... }`` or in ``terraform.tfvars`` is a key when the module uses
``var.scratch`` in an attribute that takes a key. ``byok drift code`` scans every directory of a tree; the
Checkov pack scans the directory of the file Checkov is judging; both call :func:`scan_directory`.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from byok.keyscan import hcl, tfjson
from byok.keyscan.catalogue import key_like_name, takes_key
from byok.keyscan.reference import CANDIDATE, Found, KeyReference, literal_references

# ``.hcl``: Terragrunt's configuration (``terragrunt.hcl``, ``root.hcl``, ``env.hcl``), whose ``inputs`` and
# ``remote_state`` hand values to Terraform modules and backends.
SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json", ".hcl")
# HCL that is not Terraform's: the provider lock file (hashes), Packer templates, TFLint's configuration.
NOT_TERRAFORM = (".terraform.lock.hcl", ".pkr.hcl", ".tflint.hcl")
# Caches of downloaded modules and tools (Terraform's, Terragrunt's), not the estate's own code.
SKIPPED_DIRS = frozenset(
    {".terraform", ".terragrunt-cache", ".git", ".venv", "node_modules", "__pycache__", ".external_modules"}
)
# A "Key": "value" pair of JSON inside a string or heredoc (escaped quotes allowed: JSON in a quoted string).
_JSON_PAIR = re.compile(r"\\?\"([A-Za-z][\w-]*)\\?\"\s*:\s*\\?\"([^\"\\\n]*)\\?\"")
# A ``key: value`` line of YAML or ``NAME=value`` of a shell script in a heredoc (cloud-init, ``user_data``) or a
# file the module reads (``yamldecode(file("config.yaml"))``).
_LINE_PAIR = re.compile(
    r"^[ \t-]*(?:export[ \t]+)?([A-Za-z][\w-]*)[ \t]*(?::[ \t]+|=)[\"']?([^\"'\s#,{}\[\]]+)[\"']?[ \t]*(?:#.*)?$", re.M
)
_KMS_FORMAT = re.compile(r":kms:[^\s\"]*:key/%(?:\[\d+\])?s")
_VALUE_KINDS = ("variable", "tfvars", "locals")  # blocks whose value reaches resources by var.X / local.X


@dataclass(frozen=True)
class Literal:
    """A key reference written literally in a file."""

    file: str
    line: int
    address: str  # aws_db_instance.orders, data.aws_kms_key.shared, var.kms_key_arn, module.app, terraform
    block_kind: str
    block_type: str
    attribute: str
    reference: KeyReference
    text: str

    @property
    def resource_type(self) -> str:
        """What a report calls the block: the resource type, ``data.<type>``, or the block kind."""
        if self.block_kind == "resource":
            return self.block_type
        return f"data.{self.block_type}" if self.block_kind == "data" else self.block_kind


@dataclass(frozen=True)
class Unreadable:
    """A file the scan could not read or parse: it could hold anything, so it is never silently skipped."""

    file: str
    reason: str


@dataclass(frozen=True)
class KeyFlow:
    """A block whose key attribute takes ``var.X`` / ``local.X``: where a literal value ends up."""

    file: str
    block_line: int
    name: str
    block_kind: str  # resource, module, locals, ...: whether Checkov hands the block to a check


@dataclass
class DirectoryScan:
    literals: list[Literal] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    flows: list[KeyFlow] = field(default_factory=list)
    block_kinds: dict[str, frozenset[str]] = field(default_factory=dict)  # file -> kinds of its top-level blocks

    def block_literals(self, file: str, start: int, end: int) -> list[Literal]:
        """Literals inside lines ``start``-``end`` of ``file``, and those its key attributes take via var/local."""
        own = [lit for lit in self.literals if lit.file == file and start <= lit.line <= end]
        names = {flow.name for flow in self.flows if flow.file == file and start <= flow.block_line <= end}
        taken = [lit for lit in self.literals if lit.block_kind in _VALUE_KINDS and lit.address in names]
        return list(dict.fromkeys(own + taken))


def file_kind(path: Path) -> str | None:
    """The suffix of ``SUFFIXES`` the file has, or None when it is not a Terraform file."""
    name = path.name
    if name.endswith(NOT_TERRAFORM):
        return None
    return next((suffix for suffix in sorted(SUFFIXES, key=len, reverse=True) if name.endswith(suffix)), None)


def source_files(root: Path, unlisted: list[Path] | None = None) -> Iterator[Path]:
    """Every Terraform file under ``root``, in a stable order; symlinked directories are followed once.

    Directories that cannot be listed are appended to ``unlisted`` (they could hold anything).
    """
    if not root.is_dir():
        yield root
        return
    seen: set[str] = set()

    def failed(error: OSError) -> None:
        if unlisted is not None:
            unlisted.append(Path(error.filename or root))

    for directory, dirnames, filenames in os.walk(root, followlinks=True, onerror=failed):
        real = os.path.realpath(directory)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(name for name in dirnames if name not in SKIPPED_DIRS)
        for name in sorted(filenames):
            path = Path(directory, name)
            if file_kind(path):
                yield path


def read_source(path: Path) -> tuple[str, str | None]:
    """The file's text, and why Terraform would not read it as it is (None when it would).

    A UTF-8 byte-order mark is dropped (Checkov and editors accept it). UTF-16 with a mark is decoded.
    Anything else that is not UTF-8 is read as Latin-1, which keeps every ASCII key ARN intact.
    """
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "is UTF-16; Terraform reads only UTF-8"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return data.decode("latin-1"), f"is not UTF-8 (byte {exc.start}); Terraform reads only UTF-8"


def scan_tree(root: Path, base: Path | None = None) -> Iterator[DirectoryScan]:
    """One :class:`DirectoryScan` per directory of ``root`` (or for the one file ``root`` names).

    File names in the results are relative to ``base`` (default: ``root``).
    """
    by_directory: dict[Path, list[Path]] = {}
    unlisted: list[Path] = []
    for path in source_files(root, unlisted):
        by_directory.setdefault(path.parent, []).append(path)
    for files in by_directory.values():
        yield scan_directory(files, base or root)
    if unlisted:
        names = [_display(path, base or root) for path in unlisted]
        yield DirectoryScan(unreadable=[Unreadable(name, f"cannot list the directory {name}") for name in names])


def scan_directory(files: Iterable[Path], root: Path) -> DirectoryScan:
    """Scan the files of one module directory; file names in the result are relative to ``root``.

    (A file directly named as ``root`` keeps its own name.)
    """
    scan = DirectoryScan()
    parsed_files: list[tuple[str, hcl.ParsedFile]] = []
    directories: dict[str, Path] = {}  # file name -> its directory, where file()/templatefile() paths start
    unread: list[tuple[str, int, str]] = []  # broken files: name, first unread line, the unread text
    for path in files:
        name = _display(path, root)
        try:
            text, note = read_source(path)
        except OSError as exc:
            scan.unreadable.append(Unreadable(name, f"cannot read {name}: {exc.strerror or exc}"))
            continue
        kind = file_kind(path) or ".tf"
        parser = tfjson.parse if kind.endswith(".json") else hcl.parse
        parsed = parser(text, tfvars=kind.startswith(".tfvars"))
        if parsed.error or note:
            scan.unreadable.append(Unreadable(name, f"{name} {note or 'is not valid Terraform: ' + str(parsed.error)}"))
        parsed_files.append((name, parsed))
        directories[name] = path.parent
        scan.block_kinds[name] = frozenset(block.kind for block in parsed.blocks)
        if parsed.unread_from is not None:
            unread.append((name, parsed.line_at(parsed.unread_from), text[parsed.unread_from :]))
    keyed = _keyed_by_for_each(parsed_files)
    formats = {  # format("arn:aws:kms:%s:%s:key/%s", ..., "<key id>"): the ID's sibling builds a key ARN
        (name, value.block, value.path)
        for name, parsed in parsed_files
        for value in parsed.strings
        if _KMS_FORMAT.search(value.value)
    }
    places: set[tuple[object, ...]] = {*keyed, *formats}
    key_names = {
        traversal.name
        for name, parsed in parsed_files
        for traversal in parsed.traversals
        if traversal.name not in hcl.EACH
        and (_takes(traversal.block, traversal.path, name, places) or _feeds_each(traversal, name, keyed))
    }
    for name, parsed in parsed_files:
        for traversal in parsed.traversals:
            if traversal.name in key_names:
                scan.flows.append(KeyFlow(name, traversal.block.start_line, traversal.name, traversal.block.kind))
        for value in parsed.strings:
            scan.literals.extend(_literals(name, parsed, value, key_names, places))
    for name, first_line, rest in unread:
        scan.literals.extend(_unread_literals(name, first_line, rest, scan.literals))
    scan.literals.extend(_loaded_literals(parsed_files, directories, root, key_names))
    return scan


def _loaded_literals(
    parsed_files: list[tuple[str, hcl.ParsedFile]], directories: dict[str, Path], root: Path, key_names: set[str]
) -> Iterator[Literal]:
    """Key ARNs in the policy and template files the module reads (``file()``, ``templatefile()``).

    What such a file holds is written into the attribute as it stands: a key ARN there is hard-coded as surely
    as one in the ``.tf`` file. Each file is reported once, with the first block that reads it; Terraform files
    (scanned on their own) and files that do not exist or cannot be read (a path built at plan time, a
    generated file) are left out.
    """
    done: set[str] = set()
    for name, parsed in parsed_files:
        for loaded in parsed.loaded:
            path = Path(os.path.normpath(directories[name] / loaded.file))
            if str(path) in done or file_kind(path) or not path.is_file():
                continue
            done.add(str(path))
            try:
                text, _ = read_source(path)
            except OSError:
                continue
            if not CANDIDATE.search(text):
                continue
            content = hcl.ParsedFile.of(text)
            value = hcl.StringValue(loaded.block, loaded.path, hcl.fill_templates(text), 0, heredoc=True)
            yield from _literals(_display(path, root), content, value, key_names, set())


def _unread_literals(file: str, first_line: int, rest: str, known: list[Literal]) -> Iterator[Literal]:
    """KMS ARNs in the part of a broken file the parser could not read (after a merge-conflict marker, say).

    The file is reported unreadable anyway, but a key ARN written there is still a hard-coded key, and the
    PR check should name it. With no structure to go by, only ARNs count (a bare ID is a key only in an
    attribute that takes one), comment lines are left out, and what the parser already found is not repeated.
    """
    seen = {(lit.line, lit.reference.name) for lit in known if lit.file == file}
    for number, line in enumerate(rest.split("\n"), first_line):
        if line.lstrip().startswith(("#", "//")):
            continue
        for hit in literal_references(line, takes_key=False):
            if (number, hit.reference.name) not in seen:
                seen.add((number, hit.reference.name))
                yield Literal(
                    file, number, "unparsed", "unparsed", "", "text after the parse error", hit.reference, hit.text
                )


def _display(path: Path, root: Path) -> str:
    if path == root:
        return path.name
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _names(block: hcl.Block) -> tuple[str, ...]:
    return (block.name,) if block.kind in ("variable", "output") else ()


def _prose(path: tuple[str, ...]) -> bool:
    """Descriptions and validation messages document keys ("e.g. arn:aws:kms:..."); they configure none."""
    return any(part.lower().endswith("description") or part == "error_message" for part in path)


def _keyed_by_for_each(parsed_files: list[tuple[str, hcl.ParsedFile]]) -> set[tuple[str, hcl.Block]]:
    """Blocks that hand their ``for_each`` element whole (``each.value``/``each.key``) to an attribute taking a key.

    ``for_each = { app = "<key id>" }`` with ``target_key_id = each.value``: the map's values are keys.
    """
    return {
        (name, traversal.block)
        for name, parsed in parsed_files
        for traversal in parsed.traversals
        if traversal.name in hcl.EACH
        and takes_key(traversal.block.kind, traversal.block.type, traversal.path, _names(traversal.block))
    }


def _feeds_each(traversal: hcl.Traversal, file: str, keyed: set[tuple[str, hcl.Block]]) -> bool:
    return traversal.path[:1] == ("for_each",) and (file, traversal.block) in keyed


def _takes(block: hcl.Block, path: tuple[str, ...], file: str, keyed: set[tuple[object, ...]]) -> bool:
    """Whether a bare key ID at ``path`` of ``block`` is a key: the catalogue, the for_each of a keyed block, or
    an argument of a ``format()`` that builds a key ARN (``keyed`` holds ``(file, block)`` for the first,
    ``(file, block, path)`` for the second).
    """
    if (path[:1] == ("for_each",) and (file, block) in keyed) or (file, block, path) in keyed:
        return True
    return takes_key(block.kind, block.type, path, _names(block))


def _literals(
    file: str,
    parsed: hcl.ParsedFile,
    value: hcl.StringValue,
    key_names: set[str],
    keyed: set[tuple[object, ...]],
) -> Iterator[Literal]:
    block, path = value.block, value.path
    if _prose(path):
        return
    address = block.address(path)
    takes = _takes(block, path, file, keyed)
    if not takes and block.kind in _VALUE_KINDS and address in key_names:
        takes = block.kind != "variable" or path[:1] == ("default",)
    found: dict[tuple[int, str], tuple[Found, str]] = {}
    attribute = ".".join(path)
    for hit in literal_references(value.value, takes):
        found[(hit.offset, hit.reference.name)] = (hit, attribute)
    pairs = [*_JSON_PAIR.finditer(value.value), *(_LINE_PAIR.finditer(value.value) if value.heredoc else ())]
    for pair in pairs:
        for hit in literal_references(pair[2], key_like_name(pair[1])):
            offset = pair.start(2) + hit.offset
            found.setdefault(
                (offset, hit.reference.name), (Found(hit.reference, offset, hit.text), f"{attribute}.{pair[1]}")
            )
    for (offset, _), (hit, where) in sorted(found.items(), key=lambda item: item[0]):
        line = parsed.line_at(value.offset + offset)
        yield Literal(file, line, address, block.kind, block.type, where, hit.reference, hit.text)
