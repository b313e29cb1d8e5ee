"""The subset of AWS Config's advanced query language the local endpoint evaluates, with Config's own refusals.

Config accepts ``SELECT property [, ...] [WHERE condition]`` with ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``,
``IN``, ``BETWEEN``, ``LIKE`` and ``AND`` / ``OR`` / ``NOT`` (AWS Config developer guide, "Query components"),
and refuses JOINs, NULL tests, wildcards anywhere but at the end of a ``LIKE`` value, and property names that
differ only by case in one query (DESIGN.md section 7). Those refusals are ``InvalidExpressionException`` here
as there. ``GROUP BY``, ``ORDER BY`` and aggregate functions are real Config features that byok does not use;
the sandbox refuses them with a message that says it does not model them, rather than answer wrongly.

A property of an array (``tags.key``, ``configuration.attachments.volumeId``) matches when any element does,
as Config documents for "multiple properties within an array".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

MAX_EXPRESSION = 4096
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.:*]*)|(?P<star>\*))"
)
_UNSUPPORTED = {"JOIN": "JOINs", "NULL": "NULL tests", "IS": "NULL tests", "FROM": "FROM clauses"}
_NOT_MODELLED = {"GROUP", "ORDER", "COUNT", "SUM", "AVG", "MIN", "MAX", "DISTINCT"}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class QueryError(ValueError):
    """An expression Config would refuse: the API answers InvalidExpressionException with this message."""


Predicate = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    matches: Predicate
    resource_types: frozenset[str] | None  # the types the WHERE clause confines the query to, if it does

    def project(self, item: dict[str, Any]) -> dict[str, Any]:
        """The selected properties of one configuration item, nested as Config returns them; absent ones left out."""
        result: dict[str, Any] = {}
        for path in self.fields:
            picked = _prune(item, path.split("."))
            if picked is not _MISSING:
                result = _merge(result, picked)
        return result


def _prune(value: Any, parts: list[str]) -> Any:
    """``value`` cut down to the sub-document at ``parts``, keeping arrays as arrays."""
    if not parts:
        return value
    if isinstance(value, list):
        kept = [p for p in (_prune(v, parts) for v in value) if p is not _MISSING]
        return kept if kept else _MISSING
    if isinstance(value, dict) and parts[0] in value:
        inner = _prune(value[parts[0]], parts[1:])
        return _MISSING if inner is _MISSING else {parts[0]: inner}
    return _MISSING


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        return {**a, **{k: _merge(a[k], v) if k in a else v for k, v in b.items()}}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [_merge(x, y) for x, y in zip(a, b, strict=True)]
    return b


_MISSING = object()


def _pick(value: Any, parts: list[str]) -> Any:
    """The sub-document at ``parts``, mapping over arrays; _MISSING when no element has it."""
    if not parts:
        return value
    if isinstance(value, list):
        picked = [p for p in (_pick(v, parts) for v in value) if p is not _MISSING]
        return picked if picked else _MISSING
    if isinstance(value, dict) and parts[0] in value:
        return _pick(value[parts[0]], parts[1:])
    return _MISSING


def values_at(item: dict[str, Any], path: str) -> list[Any]:
    """Every scalar at ``path`` in a configuration item (arrays flattened), for comparisons."""
    found = _pick(item, path.split("."))
    if found is _MISSING:
        return []
    out: list[Any] = []
    stack = [found]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif not isinstance(value, dict):
            out.append(value)
    return out


def parse(expression: str) -> Query:
    if not expression or len(expression) > MAX_EXPRESSION:
        raise QueryError(f"the expression must be 1 to {MAX_EXPRESSION} characters long")
    parser = _Parser(list(_tokens(expression)))
    query = parser.query()
    names = parser.properties
    folded: dict[str, str] = {}
    for name in names:
        other = folded.setdefault(name.lower(), name)
        if other != name:
            raise QueryError(f"properties {other} and {name} differ only by case: query them separately")
    return query


def _tokens(expression: str) -> Iterator[tuple[str, str]]:
    position = 0
    while position < len(expression):
        if expression[position:].strip() == "":
            return
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            raise QueryError(f"unexpected text at character {position}: {expression[position : position + 20]!r}")
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        yield kind, match.group(kind)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.properties: list[str] = []
        self.types: list[frozenset[str] | None] = []

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def keyword(self) -> str | None:
        token = self.peek()
        return token[1].upper() if token and token[0] == "word" else None

    def take(self, kind: str | None = None, text: str | None = None) -> str:
        token = self.peek()
        if token is None or (kind and token[0] != kind) or (text and token[1].upper() != text):
            found = token[1] if token else "the end of the expression"
            raise QueryError(f"expected {text or kind} but found {found}")
        self.position += 1
        return token[1]

    def query(self) -> Query:
        self._refuse_keywords()
        self.take("word", "SELECT")
        fields = [self.property()]
        while self.peek() == ("op", ","):
            self.take("op")
            fields.append(self.property())
        matches: Predicate = lambda item: True  # noqa: E731 - no WHERE clause selects every item
        types: frozenset[str] | None = None
        if self.keyword() == "WHERE":
            self.take()
            matches, types = self.disjunction()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.peek()[1]!r} after the query")  # type: ignore[index]
        return Query(tuple(fields), matches, types)

    def _refuse_keywords(self) -> None:
        for kind, text in self.tokens:
            word = text.upper()
            if kind == "word" and word in _UNSUPPORTED:
                raise QueryError(f"advanced queries do not support {_UNSUPPORTED[word]}")
            if kind == "word" and word in _NOT_MODELLED:
                raise QueryError(f"the local endpoint does not model {word} (byok does not use it)")
            if kind == "star":
                raise QueryError("select named properties, not *")

    def property(self) -> str:
        name = self.take("word")
        if name.upper() in {"AND", "OR", "NOT", "WHERE", "IN", "LIKE", "BETWEEN", "SELECT"}:
            raise QueryError(f"expected a property name but found {name}")
        self.properties.append(name)
        return name

    # Each level returns (predicate, resource types it confines matches to, or None when it does not).
    def disjunction(self) -> tuple[Predicate, frozenset[str] | None]:
        parts = [self.conjunction()]
        while self.keyword() == "OR":
            self.take()
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        predicates = [p for p, _ in parts]
        types = None if any(t is None for _, t in parts) else frozenset().union(*(t for _, t in parts if t))
        return (lambda item: any(p(item) for p in predicates)), types

    def conjunction(self) -> tuple[Predicate, frozenset[str] | None]:
        parts = [self.negation()]
        while self.keyword() == "AND":
            self.take()
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        predicates = [p for p, _ in parts]
        known = [t for _, t in parts if t is not None]
        types = frozenset.intersection(*known) if known else None
        return (lambda item: all(p(item) for p in predicates)), types

    def negation(self) -> tuple[Predicate, frozenset[str] | None]:
        if self.keyword() == "NOT":
            self.take()
            inner, _ = self.negation()
            return (lambda item: not inner(item)), None
        if self.peek() == ("op", "("):
            self.take("op")
            result = self.disjunction()
            self.take("op", ")")
            return result
        return self.comparison()

    def comparison(self) -> tuple[Predicate, frozenset[str] | None]:
        path = self.property()
        word = self.keyword()
        negated = False
        if word == "NOT":
            self.take()
            negated, word = True, self.keyword()
        if word == "IN":
            self.take()
            options = self.value_list()
            predicate = _any_value(path, lambda v: v in options)
            chosen = frozenset(str(o) for o in options)
        elif word == "BETWEEN":
            self.take()
            low = self.value()
            self.take("word", "AND")
            high = self.value()
            predicate = _any_value(path, lambda v: _ordered(low, v) and _ordered(v, high))
            chosen = None
        elif word == "LIKE":
            self.take()
            predicate = _any_value(path, _like(self.value()))
            chosen = None
        else:
            operator = self.take("op")
            if operator not in _COMPARISONS:
                raise QueryError(f"unexpected {operator!r} after {path}")
            expected = self.value()
            compare = _COMPARISONS[operator]
            predicate = _any_value(path, lambda v: _comparable(v, expected) and compare(v, expected))
            chosen = frozenset({str(expected)}) if operator == "=" else None
        if negated:
            inner = predicate
            return (lambda item: not inner(item)), None
        return predicate, chosen if path == "resourceType" else None

    def value_list(self) -> list[Any]:
        self.take("op", "(")
        values = [self.value()]
        while self.peek() == ("op", ","):
            self.take("op")
            values.append(self.value())
        self.take("op", ")")
        return values

    def value(self) -> Any:
        token = self.peek()
        if token is None:
            raise QueryError("expected a value but found the end of the expression")
        kind, text = token
        self.position += 1
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "word" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise QueryError(f"expected a value but found {text}")


def _any_value(path: str, test: Callable[[Any], bool]) -> Predicate:
    return lambda item: any(test(value) for value in values_at(item, path))


def _comparable(a: Any, b: Any) -> bool:
    return isinstance(a, bool) == isinstance(b, bool) and (
        isinstance(a, str) == isinstance(b, str) or (isinstance(a, int | float) and isinstance(b, int | float))
    )


def _ordered(low: Any, high: Any) -> bool:
    return _comparable(low, high) and low <= high


def _like(pattern: Any) -> Callable[[Any], bool]:
    if not isinstance(pattern, str):
        raise QueryError("LIKE takes a string")
    body = pattern[:-1] if pattern.endswith("%") else pattern
    if "%" in body:
        raise QueryError("wildcards are allowed only at the end of a LIKE value")
    if pattern.endswith("%"):
        return lambda value: isinstance(value, str) and value.startswith(body)
    return lambda value: value == body
