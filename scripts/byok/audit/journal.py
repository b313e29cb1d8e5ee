"""The append-only journal: one hash-chained JSON line per rotation step, durable before the next step.

Each append takes an exclusive ``flock`` on the journal, reads the last record to chain to it, writes
the new line with ``O_APPEND`` and ``fsync``s it, so runs in several processes keep one valid chain
and a record is on disk before the step after it starts. A write that fails (a full disk, an I/O
error) stops the run with ``JournalError``: a step that cannot be recorded must not be followed by
another one.

Broken tail: a crash mid-write leaves a last line without its newline. Every open and every append
checks the tail and refuses to go on while it is broken, since chaining to a half record would hide
it. ``repair_tail`` (``byok audit verify --repair-tail``) is the only way forward: it removes the
partial line, which the writer had already reported as not written, and journals that it did so
with the removed bytes' size and digest.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from byok.audit.errors import JournalError, JournalTampered
from byok.audit.identity import actor, host, new_run_id
from byok.audit.record import (
    CALLER_FIELDS,
    GENESIS,
    MAX_LINE,
    RecordRejected,
    check_caller_fields,
    parse_line,
    record_hash,
    to_line,
)

JOURNAL_NAME = "journal.jsonl"
_RESUME = "then re-run the same command: it resumes from the real HSM and KMS state"


def journal_path(state_dir: Path) -> Path:
    return state_dir / JOURNAL_NAME


@dataclass(frozen=True)
class Head:
    """The last record's seq and hash: the anchor CI keeps elsewhere to detect a cut-off tail."""

    seq: int
    hash: str


class Journal:
    def __init__(self, path: Path, *, run_id: str | None = None) -> None:
        self.path = path
        self.run_id = run_id or new_run_id()
        self.actor = actor()
        self.host = host()

    @classmethod
    def open(cls, path: Path, *, run_id: str | None = None) -> Journal:
        """The journal a run writes to, its tail checked now: a broken one stops the run before it acts."""
        journal = cls(path, run_id=run_id)
        journal.head()
        return journal

    def head(self) -> Head:
        if not self.path.exists():
            return Head(0, GENESIS)
        with self._locked(fcntl.LOCK_SH) as fd:
            return self._read_head(fd)

    def append(self, event: str, **fields: object) -> dict[str, object]:
        """Record one step; returns the record as written."""
        try:
            check_caller_fields({"event": event, **fields})
        except RecordRejected as refused:
            raise JournalError(
                f"the journal refused a {event!r} record: {refused}", "this is a bug in byok: please report it"
            ) from None
        with self._locked(fcntl.LOCK_EX) as fd:
            return self._append_locked(fd, event, fields)

    def repair_tail(self, show: Callable[[bytes], None]) -> bytes | None:
        """Show, then remove a partly written last line and journal the removal; None when the tail is whole."""
        with self._locked(fcntl.LOCK_EX) as fd:
            start, window = _tail(fd)
            if not window or window.endswith(b"\n"):
                return None
            cut = window.rfind(b"\n") + 1
            if cut == 0 and start > 0:
                raise JournalTampered(
                    f"{self.path} ends with more than {MAX_LINE} bytes without a line break: "
                    "that is not a record cut off by a crash",
                    "restore the journal from a copy; do not repair it",
                )
            removed = window[cut:]
            show(removed)
            try:
                os.ftruncate(fd, start + cut)
                os.fsync(fd)
            except OSError as exc:
                raise self._write_failed(exc) from None
            head = self._read_head(fd)
            digest = hashlib.sha256(removed).hexdigest()[:16]
            self._append_locked(
                fd,
                "journal-repaired",
                {
                    "result": "ok",
                    "detail": f"removed {len(removed)} bytes of a partly written record after seq {head.seq} "
                    f"(sha256 prefix {digest})",
                },
            )
            return removed

    def _append_locked(self, fd: int, event: str, fields: dict[str, object]) -> dict[str, object]:
        head = self._read_head(fd)
        record: dict[str, object] = {
            "seq": head.seq + 1,
            "time": datetime.now(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor,
            "host": self.host,
            "run_id": self.run_id,
            **dict.fromkeys(CALLER_FIELDS),
            "event": event,
            **fields,
            "prev": head.hash,
        }
        record["hash"] = record_hash(record)
        size = os.fstat(fd).st_size
        try:
            _write_all(fd, to_line(record))
            os.fsync(fd)
        except OSError as exc:
            _truncate_quietly(fd, size)
            raise self._write_failed(exc) from None
        return record

    def _read_head(self, fd: int) -> Head:
        start, window = _tail(fd)
        if not window:
            return Head(0, GENESIS)
        if not window.endswith(b"\n"):
            raise JournalError(
                f"{self.path} ends with a partly written record (a crash or a full disk cut it off)",
                "run `byok audit verify --repair-tail` to see and remove it, " + _RESUME,
            )
        line_start = window.rfind(b"\n", 0, len(window) - 1) + 1
        if line_start == 0 and start > 0:
            raise JournalTampered(f"the last line of {self.path} is longer than any record", _VERIFY)
        try:
            record = parse_line(window[line_start:])
        except RecordRejected as damaged:
            raise JournalTampered(f"the last record of {self.path} is damaged: {damaged}", _VERIFY) from None
        return Head(cast(int, record["seq"]), cast(str, record["hash"]))

    @contextmanager
    def _locked(self, operation: int) -> Iterator[int]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise self._write_failed(exc) from None
        try:
            fcntl.flock(fd, operation)
            yield fd
        finally:
            os.close(fd)  # also releases the flock

    def _write_failed(self, exc: OSError) -> JournalError:
        return JournalError(
            f"the journal {self.path} could not be written ({exc.strerror or exc}); "
            "the run stopped before acting further",
            "free space or fix the cause, " + _RESUME,
        )


_VERIFY = "run `byok audit verify` to find the first damaged record; restore the journal from a copy"


def _tail(fd: int) -> tuple[int, bytes]:
    """The last bytes of the file, enough to hold its last line whole, and where they start."""
    size = os.fstat(fd).st_size
    start = max(0, size - MAX_LINE - 1)
    return start, os.pread(fd, size - start, start)


def _write_all(fd: int, data: bytes) -> None:
    """A short write on a regular file means the disk filled up mid-line: finish it or fail."""
    while data:
        written = os.write(fd, data)
        if written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        data = data[written:]


def _truncate_quietly(fd: int, size: int) -> None:
    """Take back a half-written line; if even that fails, the next open reports the broken tail."""
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError:
        return
