"""CKV_BYOK_5 with a retired-key list: every spelling of a retired key fails, and so does a lost list."""

from __future__ import annotations

from pathlib import Path

import pytest

from byok.checkov import CheckovResult

pytestmark = pytest.mark.checkov

RETIRED_SPELLINGS = {
    "aws_ebs_volume.bare_id_in_list_arn_here",
    "aws_sqs_queue.arn_in_list_bare_id_here",
    "aws_db_instance.alias_arn_in_list_name_here",
    "aws_rds_cluster.alias_name_in_list_arn_here",
    "aws_dynamodb_table.nested_attribute",
}


def test_active_generations_pass(retired_scan: CheckovResult, fixtures_dir: Path) -> None:
    passed = {"aws_db_instance.orders", "aws_ebs_volume.data", "aws_sqs_queue.jobs"}
    assert retired_scan.verdict("CKV_BYOK_5", fixtures_dir / "no_retired_key/pass") == (passed, set())


def test_every_spelling_of_a_retired_key_fails(retired_scan: CheckovResult, fixtures_dir: Path) -> None:
    assert retired_scan.verdict("CKV_BYOK_5", fixtures_dir / "no_retired_key/fail") == (set(), RETIRED_SPELLINGS)


def test_plan_catches_references_resolved_to_a_retired_key(retired_scan: CheckovResult, fixtures_dir: Path) -> None:
    """In code these are references; the plan resolves them to key ``a``, which the test retired."""
    failed = {"aws_db_instance.orders", "aws_rds_cluster.ledger", "aws_ebs_volume.data"}
    passed = {"aws_dynamodb_table.sessions"}  # moved to key b in this plan
    assert retired_scan.verdict("CKV_BYOK_5", fixtures_dir / "no_kms_replacement/pass") == (passed, failed)


def test_a_missing_list_fails_every_resource_loudly(missing_list_scan: CheckovResult, fixtures_dir: Path) -> None:
    passed, failed = missing_list_scan.verdict("CKV_BYOK_5", fixtures_dir / "no_retired_key/fail")
    assert (passed, failed) == (set(), RETIRED_SPELLINGS)
    for record in missing_list_scan.failed:
        assert any("absent.txt" in detail and "No such file" in detail for detail in record.details)
