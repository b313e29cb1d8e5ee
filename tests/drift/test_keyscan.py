"""The shared reference model on its own: what is a key reference, which names take a key, the catalogue.

The corpus test (tests/checkov/test_corpus.py) measures the model on whole files; these cases pin the
rules each defect class of real estates broke, one line each.
"""

from __future__ import annotations

import pytest

from byok.keyscan.catalogue import DATA_SOURCES, RESOURCES, catalogued_paths, key_like_name, takes_key
from byok.keyscan.hcl import fill_templates, parse
from byok.keyscan.reference import ReferenceKind, literal_references
from byok.keyscan.scan import scan_directory, scan_tree

KEY = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
ARN = f"arn:aws:kms:eu-west-1:123456789012:key/{KEY}"


def kinds(value: str, takes_key: bool) -> list[ReferenceKind]:
    return [found.reference.kind for found in literal_references(fill_templates(value), takes_key)]


@pytest.mark.parametrize(
    ("value", "takes", "expected"),
    [
        (ARN, False, [ReferenceKind.KEY_ARN]),  # a KMS ARN is a key wherever it is written
        (KEY, True, [ReferenceKind.KEY_ID]),
        (KEY, False, []),  # a UUID in an attribute that does not take a key: a trace ID, a tag
        (f"arn:aws:acm:eu-west-1:123456789012:certificate/{KEY}", True, []),
        (f"arn:aws:quicksight:eu-west-1:123456789012:dashboard/{KEY}", True, []),
        ("${var.prefix}" + KEY, True, []),  # glued to an interpolation: not a whole key ID
        (f"arn:aws:kms:${{var.region}}:${{var.account}}:key/{KEY}", False, [ReferenceKind.KEY_ARN]),
        (f"arn:aws:kms:%s:${{local.account}}:key/{KEY}", False, [ReferenceKind.KEY_ARN]),  # formatlist()
        ("arn:aws:kms:eu-west-1:123456789012:key/*", False, []),
        (f'{{"Resource": "{ARN}", "Other": "{KEY}"}}', False, [ReferenceKind.KEY_ARN]),
        ("alias/app", True, [ReferenceKind.ALIAS_NAME]),
        ("alias/app", False, []),  # a description mentioning an alias path
        ("arn:aws:kms:eu-west-1:123456789012:alias/app", False, [ReferenceKind.ALIAS_ARN]),
        ("mrk-0123456789abcdef0123456789abcdef", True, [ReferenceKind.KEY_ID]),
        ("arn:aws:kms:*:123456789012:key/mrk-0123456789abcdef0123456789abcdef", False, [ReferenceKind.KEY_ARN]),
        (f"arn:aws:kms:eu-west-1:*:key/{KEY}", False, [ReferenceKind.KEY_ARN]),  # wildcards in a policy
        ("arn:aws:kms:*:*:key/*", False, []),
    ],
)
def test_what_is_a_key_reference(value: str, takes: bool, expected: list[ReferenceKind]) -> None:
    assert kinds(value, takes) == expected


@pytest.mark.parametrize(
    "name", ["kms_key_id", "KMSMasterKeyID", "AwsKmsKey", "cmk_arn", "scratch_key", "target_key_id", "key_id"]
)
def test_names_that_take_a_key(name: str) -> None:
    assert key_like_name(name)


@pytest.mark.parametrize(
    "name",
    [
        *("key", "hash_key", "range_key", "api_key_id", "access_key_id", "principal_id", "trace", "id", "ssh_key"),
        *("instrumentation_key", "ingest_key", "subscription_key", "enrollment_key", "sdk_key", "deploy_key"),
    ],
)
def test_names_that_do_not(name: str) -> None:
    assert not key_like_name(name)


def test_tags_never_take_a_key_and_alias_names_are_definitions() -> None:
    assert not takes_key("resource", "aws_s3_bucket", ("tags", "kms_key_id"))
    assert not takes_key("resource", "aws_kms_alias", ("name",))
    assert takes_key("resource", "aws_kms_alias", ("target_key_id",))
    assert takes_key("variable", "", ("default",), ("backup_kms_key",))
    assert not takes_key("variable", "", ("description",), ("backup_kms_key",))
    assert not takes_key("resource", "alicloud_oss_bucket", ("server_side_encryption_rule", "kms_master_key_id"))
    assert takes_key("resource", "awscc_sqs_queue", ("kms_master_key_id",))


# The services real estates encrypt that the first pack and scan missed (issue 10, defect class 4).
REQUIRED = {
    "aws_s3_bucket": "replication_configuration.rules.destination.replica_kms_key_id",
    "aws_s3_bucket_replication_configuration": "rule.destination.encryption_configuration.replica_kms_key_id",
    "aws_dms_endpoint": "kms_key_arn",
    "aws_dms_replication_instance": "kms_key_arn",
    "aws_msk_cluster": "encryption_info.encryption_at_rest_kms_key_arn",
    "aws_scheduler_schedule": "kms_key_arn",
    "aws_db_instance_automated_backups_replication": "kms_key_id",
    "aws_db_instance": "performance_insights_kms_key_id",
    "aws_rds_cluster": "master_user_secret_kms_key_id",
    "aws_dynamodb_table": "replica.kms_key_arn",
    "aws_instance": "root_block_device.kms_key_id",
    "aws_launch_template": "block_device_mappings.ebs.kms_key_id",
    "aws_emr_security_configuration": "configuration",
    "aws_efs_file_system": "kms_key_id",
}


@pytest.mark.parametrize(("resource_type", "path"), sorted(REQUIRED.items()))
def test_the_catalogue_covers_the_services_real_estates_use(resource_type: str, path: str) -> None:
    assert path in catalogued_paths(resource_type)


def test_every_catalogue_entry_is_well_formed() -> None:
    for table in (RESOURCES, DATA_SOURCES):
        for resource_type, paths in table.items():
            assert resource_type.startswith("aws_") and paths, resource_type
            for path in paths:
                assert all(part and part == part.strip() for part in path.split(".")), (resource_type, path)
    assert catalogued_paths("aws_kms_key", data=True) == ("key_id",)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('resource "a" "b" {\n  x = "open\n}\n', "unterminated string at line 2"),
        ('resource "a" "b" {\n  x = 1\n', "`{` is never closed at line 1"),
        ('resource "a" "b" {\n  x = [1, 2)\n}\n', "unexpected `)` (expected `]`) at line 2"),
        ("locals {\n  x = <<EOF\nbody\n}\n", "heredoc <<EOF is never closed at line 2"),
        ("/* never closed\n", "unterminated /* comment at line 1"),
        ('resource "a" "b"\n{\n}\n', "expected `=` or `{` after resource at line 1"),
        ("}\n", "expected an attribute or a block, found `}` at line 1"),
    ],
)
def test_parse_errors_name_their_line(text: str, error: str) -> None:
    assert parse(text).error == error


def test_valid_shapes_parse_cleanly() -> None:
    text = (
        'resource "a" "b" { x = 1 }\n'
        'locals {\n  m = { for k, v in var.m : k => v if v != "" }\n  t = "a ${var.b ? "c" : "${local.d}"} e"\n'
        "  h = <<-EOT\n    ${jsonencode({ a = 1 })}\n    EOT\n"
        '  e = "$${not.interpolated}"\n  n = -1.5e3 >= 2 && true\n}\n'
    )
    assert parse(text).error is None


@pytest.mark.parametrize("suffix", [".tf", ".tf.json"])
def test_a_broken_file_still_names_the_key_arns_after_its_error(tmp_path, suffix: str) -> None:
    """The parser stops at the first error; the rest of the file is searched for KMS ARNs only, never comments."""
    other = ARN.replace("3c4d", "3c4e")
    text = (
        f'resource "aws_sqs_queue" "q" {{\n  kms_master_key_id = "{ARN}"\n<<<<<<< HEAD\n'
        f'  # was {other}\n  kms_key_id = "{other}"\n  trace = "{KEY}"\n}}\n'
    )
    if suffix == ".tf.json":
        text = f'{{"resource": {{"aws_sqs_queue": {{"q": {{"kms_master_key_id": "{ARN}",\n  "x": "{other}"\n'
    file = tmp_path / f"main{suffix}"
    file.write_text(text)
    scan = scan_directory([file], tmp_path)
    assert [u.file for u in scan.unreadable] == [file.name]
    expected = [(2, KEY), (5, other.rsplit("/", 1)[1])] if suffix == ".tf" else [(1, KEY), (2, other.rsplit("/", 1)[1])]
    assert [(lit.line, lit.reference.name) for lit in scan.literals] == expected


@pytest.mark.parametrize(
    ("element", "found"),
    [("each.value", True), ("each.key", True), ("each.value.id", False), ('each.value["id"]', False)],
)
def test_a_for_each_handed_whole_to_a_key_attribute_holds_keys(tmp_path, element: str, found: bool) -> None:
    file = tmp_path / "main.tf"
    file.write_text(f'resource "aws_kms_grant" "g" {{\n  for_each = toset(["{KEY}"])\n  key_id = {element}\n}}\n')
    assert [lit.line for lit in scan_directory([file], tmp_path).literals] == ([2] if found else [])


@pytest.mark.parametrize(
    ("name", "found"), [("terragrunt.hcl", True), ("root.hcl", True), ("image.pkr.hcl", False), (".tflint.hcl", False)]
)
def test_terragrunt_files_are_scanned_other_hcl_dialects_are_not(tmp_path, name: str, found: bool) -> None:
    (tmp_path / name).write_text(f'inputs = {{\n  kms_key_id = "{KEY}"\n}}\n')
    literals = [lit for scan in scan_tree(tmp_path) for lit in scan.literals]
    assert [(lit.file, lit.line) for lit in literals] == ([(name, 2)] if found else [])


@pytest.mark.parametrize(
    ("call", "found"),
    [
        ('file("${path.module}/p.json")', True),
        ('templatefile("p.json", {})', True),
        ('"${file("${path.module}/p.json")}"', True),
        ('file("${path.module}/${var.env}.json")', False),  # built at plan time: nothing to read
    ],
)
def test_files_the_module_reads_are_searched_for_key_arns(tmp_path, call: str, found: bool) -> None:
    (tmp_path / "p.json").write_text(f'{{\n  "Resource": "{ARN}"\n}}\n')
    (tmp_path / "main.tf").write_text(f'resource "aws_iam_policy" "p" {{\n  policy = {call}\n}}\n')
    literals = scan_directory([tmp_path / "main.tf"], tmp_path).literals
    assert [(lit.file, lit.line, lit.address) for lit in literals] == (
        [("p.json", 2, "aws_iam_policy.p")] if found else []
    )


def test_yaml_and_shell_in_a_heredoc_name_a_bare_key_by_its_key(tmp_path) -> None:
    """``kms_key_id: <id>``/``export KMS_KEY_ID=<id>`` are keys; ``run_id: <id>`` is not, nor a quoted string."""
    file = tmp_path / "main.tf"
    heredoc = f"    kms_key_id: {KEY}\n    run_id: {KEY}\n    export KMS_KEY_ID={KEY}\n    RUN={KEY}\n"
    file.write_text(f'locals {{\n  a = <<-EOT\n{heredoc}  EOT\n  b = "kms_key_id: {KEY}"\n}}\n')
    assert [lit.line for lit in scan_directory([file], tmp_path).literals] == [3, 5]


def test_a_for_each_of_key_ids_in_json_syntax(tmp_path) -> None:
    file = tmp_path / "main.tf.json"
    body = f'{{"for_each": {{"a": "{KEY}"}},\n "target_key_id": "${{each.value}}", "name": "alias/${{each.key}}"}}'
    file.write_text(f'{{"resource": {{"aws_kms_alias": {{"a": {body}}}}}}}\n')
    assert [(lit.line, lit.attribute) for lit in scan_directory([file], tmp_path).literals] == [(1, "for_each.a")]


@pytest.mark.parametrize(("template", "found"), [("arn:aws:kms:%s:%s:key/%s", True), ("arn:aws:s3:::%s/%s", False)])
def test_a_key_id_handed_to_a_format_that_builds_a_key_arn(tmp_path, template: str, found: bool) -> None:
    file = tmp_path / "main.tf"
    file.write_text(f'locals {{\n  k = format("{template}", var.region, "123456789012",\n    "{KEY}")\n}}\n')
    assert [lit.line for lit in scan_directory([file], tmp_path).literals] == ([3] if found else [])
