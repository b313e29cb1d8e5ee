"""Every kind of tampering is caught at the right line, with a message that says what kind it is."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from byok.audit.record import record_hash, to_line
from byok.audit.verify import Verdict, verify_file, verify_stream

Lines = list[bytes]


def forge(line: bytes, **changes: object) -> bytes:
    """What a forger who knows the format writes: the change, with the record's hash recomputed."""
    record = {**json.loads(line), **changes}
    record["hash"] = record_hash(record)
    return to_line(record)


def swap(lines: Lines, a: int, b: int) -> Lines:
    lines[a], lines[b] = lines[b], lines[a]
    return lines


TAMPERING: dict[str, tuple[Callable[[Lines], Lines], int, str, str]] = {
    "edit a field": (
        lambda ls: [*ls[:4], ls[4].replace(b"alice@example.com", b"mallory"), *ls[5:]],
        5,
        "damaged",
        "its hash does not match its content",
    ),
    "edit a field and recompute its hash": (
        lambda ls: [*ls[:4], forge(ls[4], check_value="ffffff"), *ls[5:]],
        6,
        "chain",
        "its prev does not match the hash of the record before it",
    ),
    "change a hash": (
        lambda ls: [*ls[:1], ls[1].replace(json.loads(ls[1])["hash"].encode(), b"ab" * 32), *ls[2:]],
        2,
        "damaged",
        "its hash does not match its content",
    ),
    "delete a record": (lambda ls: ls[:3] + ls[4:], 4, "seq", "seq 5 where 4 was expected: a record was removed"),
    "swap two records": (lambda ls: swap(ls, 2, 3), 3, "seq", "seq 4 where 3 was expected"),
    "insert a copy": (
        lambda ls: [*ls[:3], ls[2], *ls[3:]],
        4,
        "seq",
        "seq 3 where 4 was expected: a record was inserted",
    ),
    "insert a forged record": (
        lambda ls: [*ls[:3], forge(ls[3], detail="also rotated"), *ls[3:]],
        5,
        "seq",
        "seq 4 where 5 was expected: a record was inserted",
    ),
    "append garbage": (lambda ls: [*ls, b"hello auditor\n"], 10, "damaged", "line 10: not a JSON record"),
    "append a JSON list": (lambda ls: [*ls, b"[1, 2]\n"], 10, "damaged", "not a JSON object"),
    "blank line": (lambda ls: [*ls[:2], b"\n", *ls[2:]], 3, "empty", "line 3 is empty"),
    "reformat a line": (
        lambda ls: [*ls[:1], ls[1].replace(b'"seq":2,', b'"seq": 2,'), *ls[2:]],
        2,
        "damaged",
        "not in the form byok writes",
    ),
    "add a duplicate key": (
        lambda ls: [*ls[:1], ls[1].replace(b'{"seq":2,', b'{"seq":2,"actor":"mallory",'), *ls[2:]],
        2,
        "damaged",
        "fields are not in the journal's order",
    ),
    "add a field": (
        lambda ls: [*ls[:1], ls[1].replace(b',"hash"', b',"pin":"1234","hash"'), *ls[2:]],
        2,
        "damaged",
        "unexpected ['pin']",
    ),
    "cut a record in half": (lambda ls: [*ls[:-1], ls[-1][:40]], 9, "partial-tail", "line 9 is incomplete"),
    "a huge line": (lambda ls: [*ls, b"{" * 20_000 + b"\n"], 10, "too-long", "longer than 8192 bytes"),
    "not UTF-8": (lambda ls: [*ls[:1], ls[1].replace(b"alice", b"al\xffce"), *ls[2:]], 2, "damaged", "not a JSON"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_tampering_is_found_at_its_line(journal_file: Path, kind: str) -> None:
    change, line, problem_kind, message = TAMPERING[kind]
    verdict = verify_stream(io.BytesIO(b"".join(change(journal_file.read_bytes().splitlines(keepends=True)))))
    assert verdict.problem is not None, kind
    assert (verdict.problem.line, verdict.problem.kind) == (line, problem_kind)
    assert message in verdict.problem.message
    assert f"line {line}" in verdict.problem.message
    assert verdict.records == min(line - 1, 9)


def test_an_intact_journal_verifies(journal_file: Path) -> None:
    verdict = verify_file(journal_file)
    assert (verdict.ok, verdict.records) == (True, 9)
    assert verdict.head == json.loads(journal_file.read_bytes().splitlines()[-1])["hash"]


def _head_and_lines(path: Path) -> tuple[str, Lines]:
    lines = path.read_bytes().splitlines(keepends=True)
    return json.loads(lines[-1])["hash"], lines


def _verify(lines: Lines, **anchors: str) -> Verdict:
    return verify_stream(io.BytesIO(b"".join(lines)), **anchors)


def test_a_cut_off_tail_verifies_alone_but_not_against_the_anchor(journal_file: Path) -> None:
    head, lines = _head_and_lines(journal_file)
    assert _verify(lines[:-2]).ok  # a clean cut is invisible without an anchor kept elsewhere
    verdict = _verify(lines[:-2], expect_head=head)
    assert verdict.problem is not None
    assert (verdict.problem.kind, verdict.problem.line) == ("anchor", 8)
    assert "records after it were cut off, or the journal was rewritten" in verdict.problem.message


def test_a_forged_last_record_is_caught_by_the_anchor(journal_file: Path) -> None:
    head, lines = _head_and_lines(journal_file)
    forged = [*lines[:-1], forge(lines[-1], result="failed")]
    assert _verify(forged).ok
    assert _verify(forged, expect_head=head).problem.kind == "anchor"


def test_a_rewritten_journal_is_caught_by_the_anchor(journal_file: Path) -> None:
    head, lines = _head_and_lines(journal_file)
    rewritten, prev = [], "0" * 64
    for line in lines:  # the forger recomputes the whole chain
        rewritten.append(forge(line, actor="mallory", prev=prev))
        prev = json.loads(rewritten[-1])["hash"]
    assert _verify(rewritten).ok
    assert _verify(rewritten, expect_head=head).problem.kind == "anchor"


def test_an_anchor_from_an_earlier_run_is_found_in_a_grown_journal(journal_file: Path) -> None:
    _, lines = _head_and_lines(journal_file)
    earlier = json.loads(lines[4])["hash"]
    verdict = _verify(lines, expect_head=earlier)
    assert (verdict.ok, verdict.anchor_seq) == (True, 5)


def test_a_slice_verifies_from_the_hash_before_it(journal_file: Path) -> None:
    _, lines = _head_and_lines(journal_file)
    before = json.loads(lines[2])["hash"]
    assert _verify(lines[3:], after=before).ok
    assert _verify(lines[4:], after=before).problem.kind == "chain"  # its first record is missing
    assert _verify(lines[3:]).problem.kind == "seq"  # a slice is not a journal from its start
