"""``byok audit verify`` and ``byok audit export`` as an operator and an auditor run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from byok.cli import main as main_module
from byok.cli.audit_cmd import audit
from support.output_schema import documented


@pytest.fixture
def byok(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """Run ``byok ...`` in-process through the real entry point; returns (exit code, stdout, stderr)."""
    main_module.cli.add_command(audit)  # until cli/main.py registers it

    def run(*argv: str) -> tuple[int, str, str]:
        code = main_module.main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_verify_ok_prints_count_and_head(byok, journal_file: Path) -> None:
    head = json.loads(journal_file.read_bytes().splitlines()[-1])["hash"]
    code, out, _ = byok("audit", "verify", "--journal", str(journal_file))
    assert code == 0
    assert "status: OK" in out and head in out and "records: 9" in out


def test_verify_json_names_the_first_problem_and_exits_7(byok, journal_file: Path) -> None:
    lines = journal_file.read_bytes().splitlines(keepends=True)
    journal_file.write_bytes(b"".join(lines[:2] + lines[3:]))
    code, out, err = byok("audit", "verify", "--journal", str(journal_file), "--output", "json")
    assert code == 7
    row = documented(out, "audit_verify")
    assert (row["status"], row["records"], row["line"]) == ("TAMPERED", 2, 3)
    assert "seq 4 where 3 was expected" in row["problem"]
    assert err.startswith("byok: error: line 3: seq 4 where 3 was expected")


def test_verify_against_an_anchor(byok, journal_file: Path) -> None:
    lines = journal_file.read_bytes().splitlines(keepends=True)
    head = json.loads(lines[-1])["hash"]
    code, out, _ = byok("audit", "verify", "--journal", str(journal_file), "--expect-head", head)
    assert code == 0 and "expected head found at seq 9" in out
    journal_file.write_bytes(b"".join(lines[:-1]))
    code, _, err = byok("audit", "verify", "--journal", str(journal_file), "--expect-head", head)
    assert code == 7 and "records after it were cut off" in err


def test_repair_tail_prints_removes_and_journals(byok, journal_file: Path) -> None:
    with open(journal_file, "ab") as handle:
        handle.write(b'{"seq":10,"ti')
    code, _, err = byok("audit", "verify", "--journal", str(journal_file))
    assert code == 7 and "line 10 is incomplete" in err and "--repair-tail" in err
    cut = journal_file.read_bytes()
    code, out, _ = byok("audit", "verify", "--journal", str(journal_file), "--repair-tail", "--dry-run")
    assert code == 7 and "dry run: would remove the partial record at line 10; nothing changed" in out
    assert journal_file.read_bytes() == cut
    code, out, err = byok("audit", "verify", "--journal", str(journal_file), "--repair-tail")
    assert code == 0, err
    assert 'removing the partly written last record: {"seq":10,"ti' in err
    assert "removed the partial record at line 10 and journalled the repair" in out
    assert json.loads(journal_file.read_bytes().splitlines()[-1])["event"] == "journal-repaired"


def test_repair_tail_does_not_touch_damage(byok, journal_file: Path) -> None:
    journal_file.write_bytes(journal_file.read_bytes().replace(b"alice", b"mallo"))
    before = journal_file.read_bytes()
    code, out, _ = byok("audit", "verify", "--journal", str(journal_file), "--repair-tail")
    assert code == 7 and "not repaired" in out
    assert journal_file.read_bytes() == before


def test_the_journal_defaults_to_the_state_dir_of_byok_toml(byok, journal_file: Path, tmp_path: Path) -> None:
    config = tmp_path / "byok.toml"
    config.write_text('[estate]\norder = ["dev"]\nstate_dir = "state"\n[environments.dev]\n')
    code, out, _ = byok("audit", "verify", "--config", str(config))
    assert code == 0 and str(journal_file) in out


def test_without_config_or_journal_the_error_says_what_to_pass(byok, tmp_path: Path) -> None:
    code, _, err = byok("audit", "verify", "--config", str(tmp_path / "missing.toml"))
    assert code == 3 and "or pass --journal PATH" in err


def test_export_then_verify_the_pack(byok, journal_file: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "evidence-2025.tar.gz"
    code, out, err = byok(
        "audit", "export", "--journal", str(journal_file), "--since", "2000-01-01", "--until", "2999-12-31",
        "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    assert f"wrote {out_file}: 9 records" in out
    code, out, _ = byok("audit", "verify", "--pack", str(out_file), "-o", "json")
    row = documented(out, "audit_verify")
    assert (code, row["status"], row["records"]) == (0, "OK", 9)


def test_export_refuses_a_bad_period(byok, journal_file: Path, tmp_path: Path) -> None:
    code, _, err = byok(
        "audit", "export", "--journal", str(journal_file), "--since", "2025-02-01", "--until", "2025-01-01",
        "--out", str(tmp_path / "pack"),
    )  # fmt: skip
    assert code == 2 and "must come before" in err


def test_a_malformed_anchor_is_a_usage_error(byok, journal_file: Path) -> None:
    code, _, err = byok("audit", "verify", "--journal", str(journal_file), "--expect-head", "abc")
    assert code == 2 and "64 lower-case hex digits" in err
