"""Check a journal (or a slice of one) line by line and name the first place its chain breaks.

The chain shows any edit, removal, insertion or reordering inside the journal. It cannot show a
rewrite of the whole file or a cut-off tail on its own, because a forger can recompute every hash;
that is what the anchor is for: a head hash kept outside the journal (printed in the PR, stored by
CI) that must still be found in it. Hostile input gets a problem, never a crash or a hang: lines are
read with a length limit and every parse failure becomes a ``RecordRejected``.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from byok.audit.errors import JournalError
from byok.audit.record import GENESIS, MAX_LINE, RecordRejected, parse_line


@dataclass(frozen=True)
class Problem:
    line: int
    kind: str  # partial-tail, too-long, empty, damaged, seq, chain, anchor
    message: str


@dataclass(frozen=True)
class Verdict:
    records: int  # records that verified before the first problem
    head: str  # hash of the last record that verified
    problem: Problem | None = None
    anchor_seq: int | None = None  # where --expect-head was found

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_file(path: Path, *, after: str = GENESIS, expect_head: str | None = None) -> Verdict:
    with reading(path) as stream:
        return verify_stream(stream, after=after, expect_head=expect_head)


@contextmanager
def reading(path: Path) -> Iterator[BinaryIO]:
    """The journal between two appends (a shared flock): a record being written is not mistaken for a cut one."""
    try:
        with open(path, "rb") as stream:
            fcntl.flock(stream.fileno(), fcntl.LOCK_SH)
            yield stream
    except OSError as exc:
        raise JournalError(f"cannot read the journal {path}: {exc.strerror or exc}", "check the path") from None


def verify_stream(stream: BinaryIO, *, after: str = GENESIS, expect_head: str | None = None) -> Verdict:
    """``after`` is the hash before the first line: GENESIS for a whole journal, an anchor for a slice."""
    records, head, seq, anchor_seq = 0, after, None, None
    number = 0
    while line := stream.readline(MAX_LINE + 1):
        number += 1
        record, problem = _check_line(number, line, head, seq)
        if record is None:
            return Verdict(records, head, problem, anchor_seq)
        records, head, seq = records + 1, cast(str, record["hash"]), cast(int, record["seq"])
        if head == expect_head:
            anchor_seq = seq
    if expect_head is not None and anchor_seq is None:
        problem = Problem(
            number + 1,
            "anchor",
            f"the expected head {expect_head[:16]}... is not in the journal: records after it were cut off, "
            "or the journal was rewritten",
        )
        return Verdict(records, head, problem)
    return Verdict(records, head, None, anchor_seq)


def _check_line(
    number: int, line: bytes, head: str, last_seq: int | None
) -> tuple[dict[str, object], None] | tuple[None, Problem]:
    """The record on this line if it is whole, well formed and linked to the one before; else the problem."""
    if len(line) > MAX_LINE:
        return None, Problem(number, "too-long", f"line {number} is longer than {MAX_LINE} bytes: not a journal record")
    if not line.endswith(b"\n"):
        return None, Problem(
            number,
            "partial-tail",
            f"line {number} is incomplete (no line break): a write was cut off by a crash or a full disk; "
            "`byok audit verify --repair-tail` shows and removes it",
        )
    if line == b"\n":
        return None, Problem(number, "empty", f"line {number} is empty")
    try:
        record = parse_line(line)
    except RecordRejected as damaged:
        return None, Problem(number, "damaged", f"line {number}: {damaged}")
    seq = cast(int, record["seq"])
    expected = last_seq + 1 if last_seq is not None else (1 if head == GENESIS else seq)
    if seq != expected:
        cause = (
            "a record was removed or records were reordered"
            if seq > expected
            else "a record was inserted or records were reordered"
        )
        return None, Problem(number, "seq", f"line {number}: seq {seq} where {expected} was expected: {cause}")
    if record["prev"] != head:
        return None, Problem(
            number,
            "chain",
            f"line {number}: its prev does not match the hash of the record before it: "
            "a record was changed, inserted or removed",
        )
    return record, None
