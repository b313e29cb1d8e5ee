"""Hostile journal files: verify names a problem and returns, never crashes, never hangs."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byok.audit.errors import JournalError, JournalTampered
from byok.audit.journal import Journal
from byok.audit.verify import Verdict, verify_stream

FUZZ = settings(max_examples=100, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)


def _verify(data: bytes) -> Verdict:
    verdict = verify_stream(io.BytesIO(data))
    if verdict.problem is not None:
        assert verdict.problem.message.startswith(f"line {verdict.problem.line}")
        assert verdict.problem.line >= 1
    return verdict


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes(data: bytes) -> None:
    verdict = _verify(data)
    assert verdict.ok == (data == b"")


@FUZZ
@given(st.lists(json_values, min_size=1, max_size=5))
def test_random_json_lines(values: list) -> None:
    data = b"".join(json.dumps(v).encode() + b"\n" for v in values)
    assert not _verify(data).ok


@FUZZ
@given(field=st.sampled_from(["seq", "time", "event", "generation", "prev", "hash", "detail"]), value=json_values)
def test_a_record_with_a_hostile_value(journal_file: Path, field: str, value: object) -> None:
    lines = journal_file.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[3])
    if record[field] == value:
        return
    record[field] = value
    lines[3] = json.dumps(record).encode() + b"\n"
    verdict = _verify(b"".join(lines))
    assert verdict.problem is not None and verdict.problem.line == 4


@FUZZ
@given(position=st.integers(min_value=0), byte=st.integers(min_value=0, max_value=255))
def test_any_single_byte_change_is_caught(journal_file: Path, position: int, byte: int) -> None:
    data = bytearray(journal_file.read_bytes())
    position %= len(data)
    if data[position] == byte:
        return
    data[position] = byte
    assert not _verify(bytes(data)).ok


@FUZZ
@given(st.binary(max_size=2000))
def test_opening_a_hostile_journal_is_a_clear_byok_error(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("hostile") / "journal.jsonl"
    path.write_bytes(data)
    try:
        Journal.open(path)
    except (JournalError, JournalTampered) as error:
        assert str(error)
    else:
        assert data == b""


def test_deep_nesting_is_a_problem_not_a_recursion_error() -> None:
    for depth in (2_000, 4_000):
        verdict = _verify(b"[" * depth + b"]" * depth + b"\n")
        assert verdict.problem is not None and verdict.problem.kind in ("damaged", "too-long")


def test_huge_input_without_line_breaks_is_refused_quickly() -> None:
    started = time.monotonic()
    verdict = _verify(b"x" * 50_000_000)
    assert verdict.problem is not None and verdict.problem.kind == "too-long"
    assert time.monotonic() - started < 2


def test_many_huge_lines_stop_at_the_first() -> None:
    verdict = _verify((b"{" * 100_000 + b"\n") * 50)
    assert (verdict.problem.line, verdict.problem.kind) == (1, "too-long")
