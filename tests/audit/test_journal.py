"""Writing the journal: chained, durable, and stopping the run when the disk says no."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from byok.audit import journal as journal_module
from byok.audit.errors import JournalError, JournalTampered
from byok.audit.identity import actor
from byok.audit.journal import Journal, _write_all
from byok.audit.record import FIELDS, GENESIS, record_hash
from byok.audit.verify import verify_file


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_records_are_chained_and_carry_who_where_and_what(journal_file: Path) -> None:
    written = records(journal_file)
    assert [r["seq"] for r in written] == list(range(1, 10))
    assert written[0]["prev"] == GENESIS
    assert all(later["prev"] == earlier["hash"] for earlier, later in zip(written, written[1:], strict=False))
    assert all(r["hash"] == record_hash(r) for r in written)
    assert all(list(r) == list(FIELDS) for r in written)
    imported = written[4]
    assert imported["event"] == "material-imported"
    assert imported["actor"] == "alice@example.com"
    assert imported["run_id"] == "run-1"
    assert imported["host"] and imported["time"].endswith("+00:00")
    assert verify_file(journal_file).ok


def test_head_is_the_last_record(journal_file: Path) -> None:
    head = Journal(journal_file).head()
    assert (head.seq, head.hash) == (9, records(journal_file)[-1]["hash"])


def test_a_new_journal_starts_at_genesis(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "new" / "journal.jsonl")
    assert journal.head().hash == GENESIS
    assert journal.append("run-started")["seq"] == 1


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"BYOK_ACTOR": "carol", "GITHUB_ACTOR": "octocat"}, "carol"),
        ({"GITHUB_ACTOR": "octocat"}, "github:octocat"),
        ({"GITLAB_USER_LOGIN": "gl-user"}, "gitlab:gl-user"),
        ({"BYOK_ACTOR": "evil\nline\x00"}, "evil?line?"),
    ],
)
def test_the_actor_says_which_authority_named_it(variables: dict[str, str], expected: str) -> None:
    assert actor(variables) == expected


def test_without_any_variable_the_os_account_is_the_actor() -> None:
    assert actor({}).startswith("os:")


def test_a_full_disk_stops_the_run_with_one_clear_error_and_leaves_no_half_record(
    journal_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = journal_file.read_bytes()
    real_write = os.write
    # the first write gets half the line onto the disk, the second finds it full
    calls = iter([lambda fd, data: real_write(fd, data[: len(data) // 2]), _full])
    monkeypatch.setattr(journal_module.os, "write", lambda fd, data: next(calls)(fd, data))
    with pytest.raises(JournalError) as raised:
        Journal.open(journal_file).append("rotated", environment="dev", key="payments")
    message = str(raised.value)
    assert "could not be written (No space left on device)" in message
    assert "the run stopped before acting further" in message
    assert raised.value.exit_code == 8
    assert journal_file.read_bytes() == before  # the half line was taken back
    assert verify_file(journal_file).ok


def _full(fd: int, data: bytes) -> int:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_any_os_error_while_writing_is_a_journal_error(journal_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(JournalError, match=r"could not be written \(I/O error\); the run stopped"):
        Journal(journal_file).append("verified", result="ok")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_the_writer_fails_on_a_really_full_device() -> None:
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        with pytest.raises(OSError) as raised:
            _write_all(fd, b'{"seq":1}\n')
    finally:
        os.close(fd)
    assert raised.value.errno == errno.ENOSPC


def test_an_unwritable_journal_is_a_journal_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(JournalError, match="could not be written"):
        Journal(blocker / "journal.jsonl").append("run-started")


def test_a_partly_written_record_is_reported_on_open_and_blocks_appends(journal_file: Path) -> None:
    with open(journal_file, "ab") as handle:
        handle.write(b'{"seq":10,"time":"2025-')
    for attempt in (lambda: Journal.open(journal_file), lambda: Journal(journal_file).append("run-started")):
        with pytest.raises(JournalError, match="ends with a partly written record") as raised:
            attempt()
        assert "byok audit verify --repair-tail" in str(raised.value)
    assert journal_file.read_bytes().endswith(b'"time":"2025-')  # nothing was overwritten


def test_repair_tail_shows_removes_and_journals_the_partial_record(journal_file: Path) -> None:
    with open(journal_file, "ab") as handle:
        handle.write(b'{"seq":10,"time":"2025-')
    shown: list[bytes] = []
    removed = Journal(journal_file, run_id="repair-1").repair_tail(show=shown.append)
    assert removed == shown[0] == b'{"seq":10,"time":"2025-'
    last = records(journal_file)[-1]
    assert (last["seq"], last["event"], last["run_id"]) == (10, "journal-repaired", "repair-1")
    assert "removed 23 bytes of a partly written record after seq 9" in last["detail"]
    assert verify_file(journal_file).ok


def test_repair_tail_leaves_a_whole_journal_alone(journal_file: Path) -> None:
    before = journal_file.read_bytes()
    assert Journal(journal_file).repair_tail(show=pytest.fail) is None
    assert journal_file.read_bytes() == before


def test_repair_tail_refuses_a_tail_too_long_to_be_a_record(journal_file: Path) -> None:
    with open(journal_file, "ab") as handle:
        handle.write(b"x" * 20_000)
    with pytest.raises(JournalTampered, match="not a record cut off by a crash"):
        Journal(journal_file).repair_tail(show=pytest.fail)


def test_a_damaged_last_record_stops_the_next_run(journal_file: Path) -> None:
    journal_file.write_bytes(journal_file.read_bytes().replace(b'"run-finished"', b'"run-failed"'))
    with pytest.raises(JournalTampered, match="last record .* is damaged: its hash does not match"):
        Journal.open(journal_file)
