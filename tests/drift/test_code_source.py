"""Terraform code: literal keys with file and line, retired generation aliases, expressions left alone."""

from __future__ import annotations

from pathlib import Path

from tests.drift.conftest import dev_intent

from byok.drift.engine import scan
from byok.drift.facts import GapFact, UsageFact
from byok.drift.findings import Severity
from byok.drift.intent import Intent
from byok.drift.sources.code import CodeSource

FIXTURES = Path(__file__).parent / "fixtures" / "code"


def locations(result, rule_id: str) -> set[tuple[str | None, int | None]]:
    return {(f.resource.file, f.resource.line) for f in result.findings if f.rule_id == rule_id}


def test_hardcoded_key_ids_and_arns_with_file_and_line():
    result = scan([CodeSource(FIXTURES)], dev_intent())
    assert locations(result, "BYOK-D009") == {
        ("main.tf", 9),  # literal ARN
        ("main.tf", 37),  # bare key ID as an alias target, not found inside the ARN on line 9
        ("main.tf", 44),  # ARN inside an expression
        ("terraform.auto.tfvars", 1),  # multi-Region key ID
    }
    assert {f.severity for f in result.findings if f.rule_id == "BYOK-D009"} == {Severity.MEDIUM}


def test_alias_of_a_retired_generation_in_code():
    result = scan([CodeSource(FIXTURES)], dev_intent())
    [retired] = [f for f in result.findings if f.rule_id == "BYOK-D001"]
    assert (retired.resource.id, retired.resource.file, retired.resource.line) == (
        "aws_sqs_queue.events",
        "main.tf",
        27,
    )
    assert retired.key == "dev-app" and retired.generation == 1 and retired.source == "code"


def test_unparseable_file_is_reported_not_skipped():
    result = scan([CodeSource(FIXTURES)], dev_intent())
    assert locations(result, "BYOK-D013") == {("broken.tf", None)}


def test_expressions_definitions_and_other_ids_are_not_references():
    facts = list(CodeSource(FIXTURES).facts())
    ids = {f.resource.id for f in facts if isinstance(f, UsageFact)}
    assert "aws_s3_bucket.data" not in ids  # module.app_key.key_arn follows rotations
    assert "aws_sns_topic.alerts" in ids  # alias/dev-app is a reference, and a fine one
    assert "aws_instance.web" not in ids  # a UUID in a non-key attribute is not a key ID
    assert not any(
        f.resource.id == "aws_kms_alias.legacy" and f.attribute == "name" for f in facts if isinstance(f, UsageFact)
    )
    assert [f.resource.file for f in facts if isinstance(f, GapFact)] == ["broken.tf"]


def test_files_without_candidates_are_not_parsed(tmp_path, monkeypatch):
    (tmp_path / "plain.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "cached.tf").write_text('x = "alias/dev-app-g1"\n')
    monkeypatch.setattr("byok.drift.sources.code.hcl2.loads", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    assert list(CodeSource(tmp_path).facts()) == []


def test_a_clean_tree_has_no_findings(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  kms_master_key_id = "alias/dev-app"\n}\n')
    intent = dev_intent()
    on_time = Intent(keys={name: intent.keys[name] for name in ("dev-app", "dev-cache")})
    assert scan([CodeSource(tmp_path)], on_time).findings == ()


def test_tfvars_alone_show_an_overdue_key(tmp_path):
    [overdue] = scan([CodeSource(tmp_path)], dev_intent()).findings
    assert (overdue.rule_id, overdue.key, overdue.resource.id) == ("BYOK-D003", "dev-logs", "alias/dev-logs")
