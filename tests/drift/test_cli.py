"""``byok drift``: exit codes CI gates on, output files, the nightly report and the retired-key list."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.drift.conftest import REGION, dev_tfvars

from byok.cli.drift_cmd import drift
from byok.cli.main import cli, main
from byok.drift.engine import DriftResult
from byok.drift.findings import Resource, Severity, finding
from byok.report import FORMATS, ReportOptions
from support.output_schema import documented

FIXTURES = Path(__file__).parent / "fixtures"
REPLACES = str(FIXTURES / "plan_replaces_stores.json")
IN_PLACE = str(FIXTURES / "plan_in_place.json")


@pytest.fixture(autouse=True)
def registered(tmp_path, monkeypatch):
    """The group as byok.cli.main will register it, without the lazily added demo; no byok.toml in the cwd."""
    cli.add_command(drift)
    monkeypatch.setattr("byok.cli.main._register_optional_commands", lambda: None)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def estate(tmp_path) -> Path:
    (tmp_path / "terraform" / "dev").mkdir(parents=True)
    (tmp_path / "terraform" / "dev" / "byok.auto.tfvars").write_text(dev_tfvars())
    config = tmp_path / "estate.toml"
    config.write_text('[estate]\norder = ["dev"]\n[environments.dev]\nregions = ["us-east-1"]\n')
    return config


@pytest.mark.parametrize(
    ("plan", "fail_on", "code"),
    [
        (REPLACES, "high", 1),
        (REPLACES, "medium", 1),
        (REPLACES, "critical", 0),
        (REPLACES, "none", 0),
        (IN_PLACE, "low", 0),
    ],
)
def test_fail_on_sets_the_exit_code(plan, fail_on, code, capsys):
    assert main(["drift", "plan", "--plan-json", plan, "--fail-on", fail_on, "-o", "json"]) == code
    document = documented(capsys.readouterr().out, "drift")
    assert document["failed"] is bool(code)


def test_the_default_gate_is_high_and_the_report_goes_to_the_file(tmp_path, capsys):
    target = tmp_path / "drift.sarif"
    assert main(["drift", "plan", "--plan-json", REPLACES, "-o", "sarif", "--output-file", str(target)]) == 1
    assert len(json.loads(target.read_text())["runs"][0]["results"]) == 3
    assert "3 drift finding(s) at or above high" in capsys.readouterr().err


def test_configuration_errors_keep_their_exit_code(tmp_path):
    assert main(["drift", "plan", "--plan-json", str(tmp_path / "missing.json")]) == 3
    assert main(["drift", "code", "--config", str(tmp_path / "missing.toml")]) == 3


def test_code_scan_with_the_estate_tfvars(estate, capsys):
    code = main(["drift", "code", "--path", str(FIXTURES / "code"), "--config", str(estate), "-o", "markdown"])
    out = capsys.readouterr().out
    assert code == 1 and "BYOK-D009" in out and "BYOK-D001" in out and "`tests/drift/fixtures/code/main.tf:27`" in out


def test_retired_keys_list_from_the_tfvars(estate, tmp_path):
    target = tmp_path / "retired.txt"
    assert main(["drift", "retired-keys", "--config", str(estate), "--output-file", str(target)]) == 0
    assert target.read_text() == "alias/dev-app-g1\n"


def test_nightly_report_writes_markdown_and_html(sandbox, estate, tmp_path, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    sandbox.reset()
    out = tmp_path / "nightly"
    args = ["drift", "report", "--config", str(estate), "--endpoint-url", sandbox.url, "--output-dir", str(out)]
    assert main([*args, "--regions", REGION]) == 0
    page = (out / "drift-report.html").read_text()
    assert "<svg" in page and "dev-logs" in page and "BYOK-D003" in page
    assert "BYOK-D003" in (out / "drift-report.md").read_text()


def test_asff_refuses_to_invent_an_account(tmp_path, capsys):
    """Code findings carry no account: without one from byok.toml, ASFF stops instead of using 000000000000."""
    (tmp_path / "main.tf").write_text('resource "x" "y" {\n  a = "\n}\n')
    assert main(["drift", "code", "--path", str(tmp_path), "-o", "asff"]) == 3
    assert "no AWS account" in capsys.readouterr().err


def test_info_findings_stay_out_of_the_table_unless_verbose(capsys):
    """D011 never gates: the default table leaves it out and says so; --verbose and JSON show it."""
    info = finding("BYOK-D011", Resource("AWS::KMS::Key", "arn:aws:kms:us-east-1:111122223333:key/k"), "d", "r")
    result = DriftResult((info,), (), ("live",), datetime.now(UTC), 30)
    quiet = FORMATS["table"](result, ReportOptions())
    assert "d" not in quiet.split() and "1 info finding(s) of BYOK-D011" in " ".join(quiet.split())
    assert "d" in FORMATS["table"](result, ReportOptions(min_severity=Severity.INFO)).split()
    assert "BYOK-D011" in FORMATS["json"](result, ReportOptions())
