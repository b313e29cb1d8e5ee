"""Terraform code: literal keys with file and line from the parse, every file kind, unreadable files reported.

The judgement itself (which strings are keys) is the shared model's and is measured on the real-world
corpus in tests/checkov/test_corpus.py; these tests hold the source's own duties: files, encodings, lines,
gaps, symlinks, nesting, and the default gate failing on a literal key or an unreadable file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.drift.conftest import dev_intent

from byok.cli.main import main
from byok.drift.engine import scan
from byok.drift.facts import GapFact, UsageFact
from byok.drift.findings import Severity
from byok.drift.intent import Intent
from byok.drift.sources.code import CodeSource
from byok.report import sarif
from byok.report.options import ReportOptions

FIXTURES = Path(__file__).parent / "fixtures" / "code"


def locations(result, rule_id: str) -> set[tuple[str | None, int | None]]:
    return {(f.resource.file, f.resource.line) for f in result.findings if f.rule_id == rule_id}


def test_hardcoded_key_ids_and_arns_with_file_and_line():
    result = scan([CodeSource(FIXTURES, base=FIXTURES)], dev_intent())
    assert locations(result, "BYOK-D009") == {
        ("main.tf", 9),  # literal ARN
        ("main.tf", 37),  # bare key ID as an alias target, not found inside the ARN on line 9
        ("main.tf", 44),  # ARN inside an expression
        ("terraform.auto.tfvars", 1),  # multi-Region key ID
    }
    assert {f.severity for f in result.findings if f.rule_id == "BYOK-D009"} == {Severity.HIGH}


def test_alias_of_a_retired_generation_in_code():
    result = scan([CodeSource(FIXTURES, base=FIXTURES)], dev_intent())
    [retired] = [f for f in result.findings if f.rule_id == "BYOK-D001"]
    assert (retired.resource.id, retired.resource.file, retired.resource.line) == (
        "aws_sqs_queue.events",
        "main.tf",
        27,
    )
    assert retired.key == "dev-app" and retired.generation == 1 and retired.source == "code"


def test_unparseable_file_is_reported_not_skipped():
    result = scan([CodeSource(FIXTURES, base=FIXTURES)], dev_intent())
    assert locations(result, "BYOK-D013") == {("broken.tf", None)}


def test_expressions_definitions_and_other_ids_are_not_references():
    facts = list(CodeSource(FIXTURES, base=FIXTURES).facts())
    ids = {f.resource.id for f in facts if isinstance(f, UsageFact)}
    assert "aws_s3_bucket.data" not in ids  # module.app_key.key_arn follows rotations
    assert "aws_sns_topic.alerts" in ids  # alias/dev-app is a reference, and a fine one
    assert "aws_instance.web" not in ids  # a UUID in a non-key attribute is not a key ID
    assert not any(
        f.resource.id == "aws_kms_alias.legacy" and f.attribute == "name" for f in facts if isinstance(f, UsageFact)
    )
    assert [f.resource.file for f in facts if isinstance(f, GapFact)] == ["broken.tf"]


def test_every_file_is_parsed_and_a_broken_one_is_reported(tmp_path):
    """A file without any key-like text is still parsed: if it is broken, it could hold anything."""
    (tmp_path / "plain.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (tmp_path / "broken.tf").write_text('resource "aws_s3_bucket" "c" {\n  bucket = "c\n}\n')
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "cached.tf").write_text("not terraform at all {")
    (tmp_path / ".terragrunt-cache" / "x").mkdir(parents=True)
    (tmp_path / ".terragrunt-cache" / "x" / "main.tf").write_text("a copy of a module {")
    [gap] = scan([CodeSource(tmp_path)], Intent()).findings
    assert (gap.rule_id, gap.severity, gap.resource.file) == ("BYOK-D013", Severity.HIGH, "broken.tf")
    assert "unterminated string at line 2" in gap.detail and "valid UTF-8 HCL" in gap.remediation


KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"


def literal_lines(root) -> set[tuple[str | None, int | None]]:
    return locations(scan([CodeSource(root)], Intent()), "BYOK-D009")


def test_json_files_and_tfvars_json_are_scanned_with_lines(tmp_path):
    document = {"resource": {"aws_sqs_queue": {"q": {"kms_master_key_id": KEY_ARN}}}}
    (tmp_path / "main.tf.json").write_text(json.dumps(document, indent=1))
    (tmp_path / "terraform.tfvars.json").write_text(
        '{\n  "name": "x",\n  "kms_key_id": "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"\n}'
    )
    assert literal_lines(tmp_path) == {("main.tf.json", 5), ("terraform.tfvars.json", 3)}


def test_lines_come_from_the_parse_not_from_a_text_search(tmp_path):
    """A comment naming the ARN first, and a second block repeating it: each finding at its own attribute."""
    (tmp_path / "main.tf").write_text(
        f"# was {KEY_ARN}\n"
        'resource "aws_sqs_queue" "a" {\n'
        f'  kms_master_key_id = "{KEY_ARN}"\n'
        "}\n"
        'resource "aws_sqs_queue" "b" {\n'
        f'  kms_master_key_id = "{KEY_ARN}"\n'
        "}\n"
    )
    facts = [f for f in CodeSource(tmp_path).facts() if isinstance(f, UsageFact)]
    assert [(f.resource.id, f.resource.line) for f in facts] == [("aws_sqs_queue.a", 3), ("aws_sqs_queue.b", 6)]


def test_byte_order_mark_and_latin1(tmp_path):
    """A UTF-8 BOM is read as Checkov reads it; a Latin-1 file keeps its literal and is flagged for Terraform."""
    body = f'resource "aws_sqs_queue" "q" {{\n  name = "d\u00e9p\u00f4t"\n  kms_master_key_id = "{KEY_ARN}"\n}}\n'
    (tmp_path / "bom.tf").write_bytes(b"\xef\xbb\xbf" + body.encode())
    (tmp_path / "latin1.tf").write_bytes(body.encode("latin-1"))
    result = scan([CodeSource(tmp_path)], Intent())
    assert locations(result, "BYOK-D009") == {("bom.tf", 3), ("latin1.tf", 3)}
    [gap] = [f for f in result.findings if f.rule_id == "BYOK-D013"]
    assert gap.resource.file == "latin1.tf" and "not UTF-8" in gap.detail


def test_deep_nesting_neither_crashes_nor_hides_the_literal(tmp_path):
    depth = 2000
    (tmp_path / "deep.tf").write_text(
        f'resource "aws_sqs_queue" "q" {{\n  kms_master_key_id = {"(" * depth}"{KEY_ARN}"{")" * depth}\n}}\n'
    )
    (tmp_path / "deep.tf.json").write_text('{"locals": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = scan([CodeSource(tmp_path)], Intent())
    assert locations(result, "BYOK-D009") == {("deep.tf", 2)}
    assert {
        (f.resource.file, "nested too deeply" in f.detail) for f in result.findings if f.rule_id == "BYOK-D013"
    } == {("deep.tf.json", True)}


def test_symlinked_directories_are_followed_once(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "main.tf").write_text(f'resource "aws_sqs_queue" "q" {{\n  kms_master_key_id = "{KEY_ARN}"\n}}\n')
    root = tmp_path / "estate"
    root.mkdir()
    (root / "linked").symlink_to(shared, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling.tf").symlink_to(tmp_path / "missing.tf")
    result = scan([CodeSource(root)], Intent())
    assert locations(result, "BYOK-D009") == {("linked/main.tf", 2)}
    assert locations(result, "BYOK-D013") == {("dangling.tf", None)}


@pytest.mark.parametrize(
    ("content", "rule_id"),
    [(f'kms_key_arn = "{KEY_ARN}"\n', "BYOK-D009"), ('resource "x" "y" {\n  a = "\n}\n', "BYOK-D013")],
    ids=["literal-key", "unparseable"],
)
def test_the_default_gate_fails_on_a_literal_key_or_an_unreadable_file(tmp_path, monkeypatch, capsys, content, rule_id):
    monkeypatch.chdir(tmp_path)  # no byok.toml: the code alone decides
    (tmp_path / "terraform.tfvars").write_text(content)
    assert main(["drift", "code", "--path", str(tmp_path), "-o", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule_id"], f["severity"]) for f in findings] == [(rule_id, "high")]


def test_a_clean_tree_has_no_findings(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  kms_master_key_id = "alias/dev-app"\n}\n')
    intent = dev_intent()
    on_time = Intent(keys={name: intent.keys[name] for name in ("dev-app", "dev-cache")})
    assert scan([CodeSource(tmp_path)], on_time).findings == ()


def test_tfvars_alone_show_an_overdue_key(tmp_path):
    [overdue] = scan([CodeSource(tmp_path)], dev_intent()).findings
    assert (overdue.rule_id, overdue.key, overdue.resource.id) == ("BYOK-D003", "dev-logs", "alias/dev-logs")


def test_paths_are_relative_to_the_repository_so_sarif_points_at_the_right_file(tmp_path):
    """A scan of a subdirectory names files from the checkout's root, whatever the working directory."""
    (tmp_path / ".git").mkdir()
    stack = tmp_path / "terraform" / "prod"
    stack.mkdir(parents=True)
    (stack / "main.tf").write_text(f'resource "aws_sqs_queue" "q" {{\n  kms_master_key_id = "{KEY_ARN}"\n}}\n')
    result = scan([CodeSource(stack)], Intent())
    assert locations(result, "BYOK-D009") == {("terraform/prod/main.tf", 2)}
    location = json.loads(sarif.render(result, ReportOptions()))["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {
        "uri": "terraform/prod/main.tf",
        "uriBaseId": "%SRCROOT%",
    }


def test_a_directory_that_cannot_be_listed_is_reported(tmp_path, monkeypatch):
    """Root reads every directory here, so the refusal a locked directory gives is simulated."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = scan([CodeSource(tmp_path)], Intent())
    assert locations(result, "BYOK-D013") == {("locked", None)}
