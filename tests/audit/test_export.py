"""Evidence packs: a period's records with their anchors, verifiable from the pack alone."""

from __future__ import annotations

import json
import subprocess
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from byok.audit.errors import JournalTampered
from byok.audit.export import Period, export_period
from byok.audit.journal import Journal
from byok.audit.pack import verify_pack
from byok.audit.record import GENESIS
from byok.errors import PathError

ALL_TIME = Period.parse("2000-01-01", "2999-12-31")


def _times(path: Path) -> list[datetime]:
    return [datetime.fromisoformat(json.loads(line)["time"]) for line in path.read_bytes().splitlines()]


@pytest.fixture
def three_runs(journal_file: Path, rotate) -> Path:
    """Three runs: the fixture's, one on prod whose verification failed, one more on dev."""
    prod = Journal.open(journal_file, run_id="run-2")
    prod.append("run-started", environment="prod")
    prod.append(
        "verified", environment="prod", key="orders", generation=5, result="failed", detail="canary 2 of 3 failed"
    )
    prod.append("run-failed", environment="prod", key="orders", generation=5, result="failed", detail="stopped")
    rotate(Journal.open(journal_file, run_id="run-3"), key="ledger", generation=7)
    return journal_file


@pytest.mark.parametrize("name", ["pack", "pack.tar.gz"])
def test_a_whole_period_round_trips(three_runs: Path, tmp_path: Path, name: str) -> None:
    exported = export_period(three_runs, ALL_TIME, tmp_path / name)
    assert exported.records == 21
    assert (exported.anchors["prev"], exported.anchors["first_seq"], exported.anchors["last_seq"]) == (GENESIS, 1, 21)
    verdict = verify_pack(tmp_path / name)
    assert (verdict.ok, verdict.records, verdict.head) == (True, 21, exported.anchors["journal_head"])


def test_a_slice_in_the_middle_verifies_from_its_anchors(three_runs: Path, tmp_path: Path) -> None:
    times = _times(three_runs)
    period = Period(times[9], times[12])  # run-2 only: seq 10 to 12
    exported = export_period(three_runs, period, tmp_path / "pack")
    lines = three_runs.read_bytes().splitlines()
    assert (exported.records, exported.anchors["first_seq"], exported.anchors["last_seq"]) == (3, 10, 12)
    assert exported.anchors["prev"] == json.loads(lines[8])["hash"]
    assert (tmp_path / "pack" / "records.jsonl").read_bytes().splitlines() == lines[9:12]
    assert verify_pack(tmp_path / "pack").ok


def test_the_summary_answers_what_when_who_which_material_and_whether_it_worked(
    three_runs: Path, tmp_path: Path
) -> None:
    export_period(three_runs, ALL_TIME, tmp_path / "pack")
    summary = (tmp_path / "pack" / "summary.md").read_text()
    rotated_at = json.loads(three_runs.read_bytes().splitlines()[5])["time"]
    assert "### Environment dev" in summary and "### Environment prod" in summary
    assert (
        f"| payments | 2 | {rotated_at} | alice@example.com | {'3f' * 32} | a1b2c3 | RSA_AES_KEY_WRAP_SHA_256 | ok |"
        in summary
    )
    assert "| orders | 5 | - | - | - | - | - | failed | verified, run-failed |" in summary
    assert "canary 2 of 3 failed" in summary.split("## Failures")[1]
    assert "| run-2 |" in summary and "run-failed" in summary.split("## Runs")[1]
    assert "sha256sum -c SHA256SUMS" in summary


def test_sha256sums_checks_with_the_standard_tool(three_runs: Path, tmp_path: Path) -> None:
    export_period(three_runs, ALL_TIME, tmp_path / "pack")
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "pack", capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 3


def test_an_empty_period_gives_an_empty_slice_anchored_where_it_would_be(three_runs: Path, tmp_path: Path) -> None:
    future = datetime.now(UTC) + timedelta(days=1)
    exported = export_period(three_runs, Period(future, future + timedelta(days=1)), tmp_path / "pack")
    assert exported.records == 0
    assert exported.anchors["prev"] == exported.anchors["last"] == exported.anchors["journal_head"]
    assert "No key was changed in this period." in (tmp_path / "pack" / "summary.md").read_text()
    assert verify_pack(tmp_path / "pack").ok


def test_an_edited_pack_fails_its_checksums(three_runs: Path, tmp_path: Path) -> None:
    export_period(three_runs, ALL_TIME, tmp_path / "pack")
    summary = tmp_path / "pack" / "summary.md"
    summary.write_text(summary.read_text().replace("alice@example.com", "mallory"))
    verdict = verify_pack(tmp_path / "pack")
    assert verdict.problem.kind == "checksum" and "summary.md does not match" in verdict.problem.message


def test_a_pack_with_a_record_dropped_and_checksums_redone_fails_its_anchors(three_runs: Path, tmp_path: Path) -> None:
    export_period(three_runs, ALL_TIME, tmp_path / "pack")
    records = tmp_path / "pack" / "records.jsonl"
    records.write_bytes(b"".join(records.read_bytes().splitlines(keepends=True)[:-1]))
    sums = subprocess.run(
        ["sha256sum", "summary.md", "records.jsonl", "anchors.json"],
        cwd=tmp_path / "pack",
        capture_output=True,
        check=True,
    )
    (tmp_path / "pack" / "SHA256SUMS").write_bytes(sums.stdout)
    verdict = verify_pack(tmp_path / "pack")
    assert verdict.problem.kind == "anchor" and "records were cut off or added" in verdict.problem.message


def test_a_pack_missing_a_file_is_named(three_runs: Path, tmp_path: Path) -> None:
    export_period(three_runs, ALL_TIME, tmp_path / "pack")
    (tmp_path / "pack" / "anchors.json").unlink()
    assert "the pack lacks anchors.json" in verify_pack(tmp_path / "pack").problem.message


def test_a_hostile_tarball_is_read_without_extracting(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    outside = tmp_path / "outside.txt"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(__file__, arcname="../outside.txt")
    assert "the pack lacks" in verify_pack(archive).problem.message
    assert not outside.exists()


def test_a_tampered_journal_is_not_exported(three_runs: Path, tmp_path: Path) -> None:
    three_runs.write_bytes(three_runs.read_bytes().replace(b"run-2", b"run-9", 1))
    with pytest.raises(JournalTampered, match="does not verify, so no evidence pack was written: line 10"):
        export_period(three_runs, ALL_TIME, tmp_path / "pack")
    assert not (tmp_path / "pack").exists()


def test_an_existing_output_is_not_overwritten(three_runs: Path, tmp_path: Path) -> None:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "notes.txt").write_text("mine")
    with pytest.raises(PathError, match="already exists and is not an empty directory"):
        export_period(three_runs, ALL_TIME, tmp_path / "pack")


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("2025-03-01", "2025-03-31", ("2025-03-01T00:00:00+00:00", "2025-04-01T00:00:00+00:00")),
        ("2025-03-01T12:00", "2025-03-01T15:00+02:00", ("2025-03-01T12:00:00+00:00", "2025-03-01T13:00:00+00:00")),
    ],
)
def test_periods_are_utc_and_a_date_until_includes_its_day(since: str, until: str, expected: tuple) -> None:
    period = Period.parse(since, until)
    assert (period.since.isoformat(), period.until.isoformat()) == expected


@pytest.mark.parametrize(("since", "until"), [("2025-03-02", "2025-03-01"), ("yesterday", "2025-03-01")])
def test_a_bad_period_is_refused(since: str, until: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(since, until)
