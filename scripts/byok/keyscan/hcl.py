"""The strings of an HCL file (``.tf``, ``.tfvars``) with the block, attribute path and line each sits at.

Not a full HCL parser: a tokenizer that knows HCL's structure (blocks with labels, attributes, objects,
brackets, quoted templates with nested interpolations, heredocs, the three comment forms) and keeps what a
key scan needs: every string value that could hold a key reference with its block and attribute path, and
the ``var.X``/``local.X``/``each.value`` traversals. It is iterative (an expression nested 400 levels deep is a list
400 entries long, never a recursion), reads a file in one pass with one regular expression, and reports the
first structural error (an unterminated string, heredoc or comment, an unbalanced bracket, a body item that
is neither an attribute nor a block) with its line, after which the file counts as unparseable.

Why not python-hcl2: it gives no attribute positions (lines came from a text search, which pointed findings
at comments and at other blocks), recurses (a deeply nested expression raised RecursionError), takes ~1.4 s
to build its grammar, and is not importable next to Checkov, which ships a conflicting ``hcl2``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from byok.keyscan.reference import CANDIDATE, PLACEHOLDER

_TOKEN = re.compile(  # blanks before a token are part of its match: half the matches of a separate token
    r"""
    [ \t\f\v\r\ufeff]*
    (?:(?P<nl>\n)
    |(?P<end>\Z)
    |(?P<comment>(?:\#|//)[^\n]*)
    |(?P<bcomment>/\*)
    |(?P<heredoc><<-?(?P<marker>[^\W\d][\w-]*)[ \t]*\r?\n)
    |(?P<quote>")
    |(?P<ident>[^\W\d][\w-]*)
    |(?P<number>\d[\w.]*)
    |(?P<open>[{\[(])
    |(?P<close>[}\])])
    |(?P<assign>=(?![=>])|:)
    |(?P<op>==|!=|<=|>=|=>|&&|\|\||\.\.\.|[,.?!<>+\-*/%~])
    |(?P<other>.))
    """,
    re.VERBOSE,
)
_STRING_BODY = re.compile(r"(?:[^\"\\$%\n]+|\\.|\$\$\{|%%\{|\$(?!\{)|%(?!\{))*")
_TRAVERSAL = re.compile(r"[ \t]*\.[ \t]*([^\W\d][\w-]*)")
_DEEPER = re.compile(r"[ \t]*[.\[]")  # ``each.value.kms_key_id``: one attribute of the element, not all of it
EACH = ("each.key", "each.value")
# The literal path a ``file(``/``templatefile(`` call reads, module-relative (``${path.module}/`` or none).
LOADED_PATH = r'[ \t]*\([ \t]*"(?:\$\{[ \t]*path\.(?:module|root|cwd)[ \t]*\}/)?(?P<file>[^"$%\\\n]+)"'
_LOADED = re.compile(LOADED_PATH)  # a resource's ``for_each`` element, whole
_CLOSERS = {"{": "}", "[": "]", "(": ")"}
_TEMPLATE_OPEN = re.compile(r"(?<![$%])[$%]\{")


@dataclass(frozen=True)
class Block:
    """A top-level block (``resource "aws_s3_bucket" "logs"``), or the file itself for tfvars attributes."""

    kind: str  # resource, data, module, provider, terraform, variable, output, locals, tfvars, ...
    type: str = ""  # resource or data type, provider name
    name: str = ""  # resource, data, module, variable or output name
    start_line: int = 1

    def address(self, path: tuple[str, ...] = ()) -> str:
        """The address Terraform gives the value: ``aws_s3_bucket.logs``, ``var.kms_key``, ``local.keys``."""
        if self.kind == "resource":
            return f"{self.type}.{self.name}"
        if self.kind == "data":
            return f"data.{self.type}.{self.name}"
        if self.kind in ("module", "output"):
            return f"{self.kind}.{self.name}"
        if self.kind == "variable":
            return f"var.{self.name}"
        if self.kind == "provider":
            return f"provider.{self.type}"
        if self.kind in ("locals", "tfvars") and path:
            return f"{'local' if self.kind == 'locals' else 'var'}.{path[0]}"
        return self.kind


@dataclass(frozen=True)
class StringValue:
    """One quoted string or heredoc; interpolations are :data:`PLACEHOLDER` runs of the same length."""

    block: Block
    path: tuple[str, ...]  # nested blocks and attribute/object keys, e.g. ("replica", "kms_key_arn")
    value: str
    offset: int  # where ``value`` starts in the file text
    heredoc: bool = False


@dataclass(frozen=True)
class Traversal:
    """``var.X`` or ``local.X`` used at ``path`` of a block: how a value reaches a resource attribute."""

    block: Block
    path: tuple[str, ...]
    name: str  # "var.X", "local.X", or "each.key"/"each.value" (the whole element of the block's for_each)


@dataclass(frozen=True)
class Loaded:
    """A file read by ``file("${path.module}/x.json")``/``templatefile(...)`` at ``path`` of a block."""

    block: Block
    path: tuple[str, ...]
    file: str  # as written, relative to the module directory


@dataclass
class ParsedFile:
    strings: list[StringValue] = field(default_factory=list)
    traversals: list[Traversal] = field(default_factory=list)
    loaded: list[Loaded] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)  # top-level blocks, in order
    error: str | None = None
    unread_from: int | None = None  # with ``error``: the offset from which the text was not (reliably) read
    _lines: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> ParsedFile:
        """An empty result that knows where the lines of ``text`` start."""
        return cls(_lines=[0, *(m.end() for m in re.finditer("\n", text))])

    def line_at(self, offset: int) -> int:
        return bisect.bisect_right(self._lines, offset)


class _Frame:
    """One open container: a block body, an object, a bracket/paren group, or an interpolation in a string."""

    __slots__ = ("attr", "block", "closer", "kind", "labels", "name", "opened", "pending", "state", "string")

    def __init__(self, kind: str, closer: str, block: Block, name: str | None = None, opened: int = 0) -> None:
        self.kind = kind
        self.closer = closer
        self.block = block
        self.name = name  # nested block type (the label of a dynamic block), part of the attribute path
        self.opened = opened
        self.state = "start" if kind == "body" else "key"
        self.attr: str | None = None
        self.pending = ""
        self.labels: list[str] = []
        self.string: _String | None = None  # for an interpolation: the string to resume after its ``}``


class _String:
    __slots__ = ("holes", "purpose", "start")

    def __init__(self, start: int, purpose: str) -> None:
        self.start = start
        self.purpose = purpose  # "value", "label" or "key"
        self.holes: list[tuple[int, int]] = []


class ParseError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def parse(text: str, tfvars: bool = False) -> ParsedFile:
    """Every candidate string, traversal and top-level block of ``text``; ``error`` set if it is not valid."""
    parsed = ParsedFile.of(text)
    try:
        _Scanner(text, parsed, tfvars).run()
    except ParseError as exc:
        parsed.error = str(exc)
        parsed.unread_from = exc.offset
    return parsed


class _Scanner:
    def __init__(self, text: str, parsed: ParsedFile, tfvars: bool) -> None:
        self.text = text
        self.parsed = parsed
        self.root = _Frame("body", "", Block("tfvars" if tfvars else "root"))
        self.stack = [self.root]

    def fail(self, message: str, offset: int) -> ParseError:
        return ParseError(f"{message} at line {self.parsed.line_at(offset)}", offset)

    def path(self) -> tuple[str, ...]:
        parts: list[str] = []
        for frame in self.stack:
            if frame.name:
                parts.append(frame.name)
            if frame.attr and frame.state == "value":
                parts.append(frame.attr)
        return tuple(parts)

    def run(self) -> None:
        text, stack = self.text, self.stack
        pos, end = 0, len(text)
        string: _String | None = None
        while True:
            if string is not None:
                pos = _STRING_BODY.match(text, pos).end()  # type: ignore[union-attr]
                char = text[pos : pos + 1]
                if char == '"':
                    self.finish_string(string, pos)
                    string, pos = None, pos + 1
                    continue
                if char in ("$", "%"):
                    frame = _Frame("interp", "}", stack[-1].block, opened=pos)
                    frame.string, frame.state = string, "value"
                    stack.append(frame)
                    string, pos = None, pos + 2
                    continue
                raise self.fail("unterminated string", string.start)
            if pos >= end:
                break
            match = _TOKEN.match(text, pos)
            assert match is not None  # the last alternative matches any character
            kind, pos = match.lastgroup, match.end()
            if kind == "comment":
                continue
            if kind == "end":
                break
            frame = stack[-1]
            if kind == "bcomment":
                close = text.find("*/", pos)
                if close < 0:
                    raise self.fail("unterminated /* comment", match.start())
                pos = close + 2
                continue
            if kind == "nl":
                if frame.kind in ("body", "object") and frame.state != "start":
                    if frame.kind == "body" and frame.state in ("ident", "labels"):
                        raise self.fail(f"expected `=` or `{{` after {frame.pending}", match.start())
                    frame.state, frame.attr = ("start" if frame.kind == "body" else "key"), None
                continue
            if frame.kind == "body" and frame.state != "value":
                string = self.body_token(frame, kind, match)
                continue
            if frame.kind == "object":
                if kind == "close":
                    self.close(match)
                    continue
                if kind == "op" and match[match.lastgroup or 0] == ",":
                    frame.state, frame.attr = "key", None
                    continue
                if frame.state == "key" and kind in ("ident", "quote"):
                    frame.state, frame.pending = "keyed", match[match.lastgroup or 0]
                    if kind == "quote":
                        string = _String(pos, "key")
                    continue
                if frame.state == "keyed" and kind == "assign":
                    frame.attr, frame.state = frame.pending, "value"
                    continue
                if frame.state != "value":
                    frame.state, frame.attr = "value", None
            string, pos = self.expression_token(kind, match, pos)
        if string is not None:
            raise self.fail("unterminated string", string.start)
        if len(stack) > 1:
            raise self.fail(f"`{_opener(stack[-1].closer)}` is never closed", stack[-1].opened)

    def body_token(self, frame: _Frame, kind: str | None, match: re.Match[str]) -> _String | None:
        lexeme = match[match.lastgroup or 0]
        if frame.state == "start":
            if kind == "ident":
                frame.pending, frame.labels, frame.state = lexeme, [], "ident"
                return None
            if kind == "close" and lexeme == "}" and frame is not self.root:
                self.close(match)
                return None
            raise self.fail(f"expected an attribute or a block, found `{lexeme}`", match.start())
        if kind == "assign" and lexeme == "=" and frame.state == "ident":
            frame.attr, frame.state = frame.pending, "value"
            return None
        if kind == "quote":
            frame.state = "labels"
            return _String(match.end(), "label")
        if kind == "ident":
            frame.labels.append(lexeme)
            frame.state = "labels"
            return None
        if kind == "open" and lexeme == "{":
            self.open_block(frame, match.start())
            return None
        raise self.fail(f"expected `=` or `{{` after {frame.pending}, found `{lexeme}`", match.start())

    def open_block(self, parent: _Frame, offset: int) -> None:
        header, labels = parent.pending, parent.labels
        line = self.parsed.line_at(offset)
        if parent is self.root:
            kinds_with_type = ("resource", "data")
            if header in kinds_with_type:
                block = Block(header, *(labels + ["", ""])[:2], start_line=line)
            elif header == "provider":
                block = Block(header, labels[0] if labels else "", start_line=line)
            else:
                block = Block(header, "", labels[0] if labels else "", start_line=line)
            self.parsed.blocks.append(block)
            name = None
        else:
            block = parent.block
            name = labels[0] if header == "dynamic" and labels else (None if header == "content" else header)
        parent.state = "start"
        self.stack.append(_Frame("body", "}", block, name, opened=offset))

    def close(self, match: re.Match[str]) -> _String | None:
        frame = self.stack[-1]
        if match[match.lastgroup or 0] != frame.closer:
            expected = f"`{frame.closer}`" if frame.closer else "nothing"
            raise self.fail(f"unexpected `{match[match.lastgroup or 0]}` (expected {expected})", match.start())
        self.stack.pop()
        if frame.kind == "interp" and frame.string is not None:
            frame.string.holes.append((frame.opened, match.end()))
            return frame.string
        return None

    def expression_token(self, kind: str | None, match: re.Match[str], pos: int) -> tuple[_String | None, int]:
        lexeme = match[match.lastgroup or 0]
        if kind == "quote":
            return _String(pos, "value"), pos
        if kind == "heredoc":
            return None, self.heredoc(match)
        if kind == "open":
            frame = _Frame(
                "object" if lexeme == "{" else "group", _CLOSERS[lexeme], self.stack[-1].block, opened=pos - 1
            )
            self.stack.append(frame)
            return None, pos
        if kind == "close":
            return self.close(match), pos
        if kind == "ident" and lexeme in ("file", "templatefile"):
            loaded = _LOADED.match(self.text, pos)
            if loaded:
                self.parsed.loaded.append(Loaded(self.stack[-1].block, self.path(), loaded["file"]))
        if kind == "ident" and lexeme in ("var", "local", "each"):
            traversal = _TRAVERSAL.match(self.text, pos)
            if traversal:
                name = f"{lexeme}.{traversal[1]}"
                if lexeme != "each" or name in EACH and not _DEEPER.match(self.text, traversal.end()):
                    self.parsed.traversals.append(Traversal(self.stack[-1].block, self.path(), name))
                return None, traversal.end()
        return None, pos

    def heredoc(self, match: re.Match[str]) -> int:
        start = match.end()
        marker = re.compile(rf"^[ \t]*{re.escape(match['marker'])}[ \t]*\r?$", re.MULTILINE)
        closing = marker.search(self.text, start)
        if closing is None:
            raise self.fail(f"heredoc <<{match['marker']} is never closed", match.start())
        content = self.text[start : closing.start()]
        if CANDIDATE.search(content):
            self.emit(fill_templates(content), start, heredoc=True)
        return closing.end()

    def finish_string(self, string: _String, end: int) -> None:
        frame = self.stack[-1]
        if string.purpose == "label":
            frame.labels.append(self.text[string.start : end])
            return
        if string.purpose == "key":
            frame.pending = self.text[string.start : end]
            return
        raw = self.text[string.start : end]
        if not CANDIDATE.search(raw):
            return
        for start, stop in string.holes:
            a, b = start - string.start, stop - string.start
            raw = raw[:a] + PLACEHOLDER * (b - a) + raw[b:]
        self.emit(raw, string.start)

    def emit(self, value: str, offset: int, heredoc: bool = False) -> None:
        self.parsed.strings.append(StringValue(self.stack[-1].block, self.path(), value, offset, heredoc))


def _opener(closer: str) -> str:
    return {"}": "{", "]": "[", ")": "("}.get(closer, closer)


def fill_templates(content: str) -> str:
    """Heredoc text with every ``${...}``/``%{...}`` (nested braces included) replaced by placeholders."""
    out, pos = [], 0
    for match in _TEMPLATE_OPEN.finditer(content):
        if match.start() < pos:
            continue
        depth, index = 0, match.end() - 1
        while index < len(content):
            char = content[index]
            depth += (char == "{") - (char == "}")
            if depth == 0:
                break
            index += 1
        out.append(content[pos : match.start()])
        out.append(PLACEHOLDER * (index + 1 - match.start()))
        pos = index + 1
    out.append(content[pos:])
    return "".join(out)
