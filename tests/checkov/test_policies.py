"""Each policy against its pass and fail fixture, judged by the real Checkov binary.

Every expectation names the exact resources on both sides: a check that silently stopped loading or
stopped matching would leave a set empty and fail here, instead of passing for want of a result.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from byok.checkov import CheckovResult

pytestmark = pytest.mark.checkov

KEY_BOUND = {
    "aws_s3_bucket.inline",
    "aws_s3_bucket_server_side_encryption_configuration.standalone",
    "aws_db_instance.orders",
    "aws_rds_cluster.ledger",
    "aws_dynamodb_table.sessions",
    "aws_ebs_volume.data",
    "aws_secretsmanager_secret.api",
    "aws_sns_topic.alerts",
    "aws_cloudwatch_log_group.app",
    "aws_lambda_function.worker",
}
PLAN_STORES = {"aws_db_instance.orders", "aws_rds_cluster.ledger", "aws_ebs_volume.data", "aws_dynamodb_table.sessions"}

# (check, fixture under fixtures/, resources expected to pass, resources expected to fail)
EXPECTATIONS = [
    # CKV_BYOK_1 judges every resource, data source, provider and module call (a literal can sit in any);
    # the data source is reported without its ``data.`` prefix and a module call by its name, as Checkov does.
    (
        "CKV_BYOK_1",
        "key_from_reference/pass",
        KEY_BOUND
        | {"aws_sqs_queue.jobs", "aws_kms_key.main", "module.key.aws_kms_key.inner", "aws_kms_alias.shared", "key"},
        set(),
    ),
    (
        "CKV_BYOK_1",
        "key_from_reference/fail",
        {"aws_kms_key.main", "aws_sqs_queue.by_alias", "module.binding.aws_sqs_queue.jobs"},
        KEY_BOUND | {"binding"},
    ),
    ("CKV_BYOK_2", "external_key_material/pass", {"aws_kms_external_key.orders"}, set()),
    (
        "CKV_BYOK_2",
        "external_key_material/fail",
        set(),
        {"aws_kms_external_key.from_variable", "aws_kms_external_key.inline"},
    ),
    (
        "CKV_BYOK_3",
        "deletion_window/pass",
        {"aws_kms_key.explicit", "aws_kms_external_key.default_window", "aws_kms_external_key.from_variable"},
        set(),
    ),
    (
        "CKV_BYOK_3",
        "deletion_window/fail",
        set(),
        {"aws_kms_key.short", "aws_kms_external_key.as_string", "aws_kms_external_key.unresolved"},
    ),
    ("CKV_BYOK_4", "rotation_tags/pass", {"aws_kms_external_key.orders"}, set()),
    # aws_kms_external_key.per_generation is in neither set: Checkov garbles its merge over locals and
    # for_each (the shape of modules/kms-external-key), so the code scan leaves it to the plan scan.
    (
        "CKV_BYOK_4",
        "rotation_tags/fail",
        set(),
        {"aws_kms_external_key.untagged", "aws_kms_external_key.partial", "aws_kms_external_key.unresolved"},
    ),
    ("CKV_BYOK_6", "no_kms_replacement/pass", PLAN_STORES, set()),
    (
        "CKV_BYOK_6",
        "no_kms_replacement/fail",
        {"aws_dynamodb_table.sessions"},
        {"aws_db_instance.orders", "aws_rds_cluster.ledger", "aws_ebs_volume.data"},
    ),
    # The plan shows how the code-level policies read keys after Terraform resolved them.
    ("CKV_BYOK_2", "no_kms_replacement/pass", {"aws_kms_external_key.current"}, set()),
    (
        "CKV_BYOK_3",
        "no_kms_replacement/pass",
        {"aws_kms_external_key.current", "aws_kms_key.a", "aws_kms_key.b"},
        set(),
    ),
    ("CKV_BYOK_4", "no_kms_replacement/pass", {"aws_kms_external_key.current"}, set()),
]


@pytest.mark.parametrize(
    ("check_id", "fixture", "passed", "failed"), EXPECTATIONS, ids=[f"{c}-{f}" for c, f, *_ in EXPECTATIONS]
)
def test_policy_verdicts(
    pack_scan: CheckovResult, fixtures_dir: Path, check_id: str, fixture: str, passed: set[str], failed: set[str]
) -> None:
    assert pack_scan.verdict(check_id, fixtures_dir / fixture) == (passed, failed)


def test_failure_names_where_each_literal_is_written(pack_scan: CheckovResult, fixtures_dir: Path) -> None:
    """A literal is reported at its own line: in the module call, in a variable default, in tfvars."""
    fail = fixtures_dir / "key_from_reference" / "fail"
    details = {r.resource: r.details for r in pack_scan.failed_for("CKV_BYOK_1") if r.file.is_relative_to(fail)}
    assert details["binding"] == (
        "main.tf:18: module.binding key_arn is the literal key-arn "
        "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )
    assert [d.split(" ")[0] for d in details["aws_db_instance.orders"]] == ["main.tf:4:"]  # the default
    assert [d.split(" ")[0] for d in details["aws_rds_cluster.ledger"]] == ["terraform.auto.tfvars:1:"]


def test_unresolvable_deletion_window_says_why(pack_scan: CheckovResult) -> None:
    [record] = [r for r in pack_scan.failed_for("CKV_BYOK_3") if r.resource == "aws_kms_external_key.unresolved"]
    assert any("var.window" in detail for detail in record.details)


def test_missing_rotation_tags_are_named(pack_scan: CheckovResult) -> None:
    [record] = [r for r in pack_scan.failed_for("CKV_BYOK_4") if r.resource == "aws_kms_external_key.partial"]
    assert record.details == ("missing tags: byok:rotated, byok:next-due",)


def test_reference_check_stays_silent_on_plans(pack_scan: CheckovResult, fixtures_dir: Path) -> None:
    """A plan holds resolved ARNs only; judging them as literals would fail every resource."""
    plan_records = [
        r for r in pack_scan.passed + pack_scan.failed if r.check_id == "CKV_BYOK_1" and r.file.suffix == ".json"
    ]
    assert plan_records == []
    assert pack_scan.verdict("CKV_BYOK_1", fixtures_dir / "no_kms_replacement/source")[0] >= PLAN_STORES


def test_replacement_check_stays_silent_on_code(pack_scan: CheckovResult) -> None:
    """Code carries no change actions; the check answers only for plans (and must answer there)."""
    records = [r for r in pack_scan.passed + pack_scan.failed if r.check_id == "CKV_BYOK_6"]
    assert records
    assert {r.file.suffix for r in records} == {".json"}


def test_without_a_retired_list_nothing_is_retired(pack_scan: CheckovResult, fixtures_dir: Path) -> None:
    passed, failed = pack_scan.verdict("CKV_BYOK_5", fixtures_dir / "no_retired_key/fail")
    assert failed == set()
    assert len(passed) == 5
