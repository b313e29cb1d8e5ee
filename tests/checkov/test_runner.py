"""The runner's own contract: clear errors before Checkov runs, and reading its report shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from byok.checkov import CheckovError, parse_report, run_checkov


def test_missing_binary_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixtures_dir: Path) -> None:
    monkeypatch.setenv("BYOK_CHECKOV_BIN", str(tmp_path / "nowhere" / "checkov"))
    with pytest.raises(CheckovError) as caught:
        run_checkov(fixtures_dir)
    message = str(caught.value)
    assert "\n" not in message
    assert "nowhere/checkov" in message and "make checkov" in message


def test_more_than_one_directory_is_refused(fixtures_dir: Path) -> None:
    with pytest.raises(CheckovError, match="one directory per run"):
        run_checkov([fixtures_dir / "rotation_tags", fixtures_dir / "deletion_window"])


def test_a_scan_with_nothing_to_check_is_empty() -> None:
    summary = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}
    result = parse_report(json.dumps(summary))
    assert (result.passed, result.failed) == ((), ())


def test_output_that_is_not_json_names_the_cause() -> None:
    with pytest.raises(CheckovError, match="boom"):
        parse_report("Traceback ...", "ValueError: boom\n")


def test_reports_of_several_frameworks_are_merged() -> None:
    def report(check_type: str, resource: str) -> dict:
        record = {
            "check_id": "CKV_BYOK_6",
            "check_name": "n",
            "resource": resource,
            "file_path": "/x",
            "file_abs_path": "/abs/x",
            "file_line_range": [1, 2],
        }
        return {"check_type": check_type, "results": {"passed_checks": [], "failed_checks": [record]}}

    result = parse_report(json.dumps([report("terraform", "a.b"), report("terraform_plan", "c.d")]))
    assert [r.resource for r in result.failed_for("CKV_BYOK_6")] == ["a.b", "c.d"]
    assert result.failed[0].file == Path("/abs/x") and result.failed[0].lines == (1, 2)
