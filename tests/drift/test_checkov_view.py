"""Which literals Checkov never shows a check, and which block of the pack reports them (byok.keyscan.checkov_view)."""

from __future__ import annotations

from pathlib import Path

from byok.keyscan.checkov_view import RUN, CheckovWalk, Sweep, sweep_plan

KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def hosted(plan: dict[Path | None, Sweep], root: Path) -> dict[str | None, set[tuple[str, str]]]:
    """(file, reason) of each literal and unreadable file, by host directory relative to ``root``."""

    def name(host: Path | None) -> str | None:
        return None if host is None else ("RUN" if host == RUN else host.relative_to(root).as_posix())

    return {
        name(host): {(u.literal.file, u.reason) for u in sweep.literals}
        | {(u.file, "unreadable") for u in sweep.unreadable}
        for host, sweep in plan.items()
    }


def test_literals_a_check_is_shown_are_left_to_it(tmp_path: Path) -> None:
    write(tmp_path / "main.tf", 'resource "aws_sqs_queue" "q" {\n  kms_master_key_id = var.k\n}\n')
    write(tmp_path / "variables.tf", f'variable "k" {{\n  default = "{KEY}"\n}}\n')
    write(tmp_path / "other.tf", f'resource "aws_sns_topic" "t" {{\n  kms_master_key_id = "{KEY}"\n}}\n')
    assert sweep_plan(tmp_path) == {}


def test_each_hidden_place_is_swept_by_its_nearest_checked_directory(tmp_path: Path) -> None:
    write(tmp_path / "app" / "main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    write(tmp_path / "app" / "outputs.tf", f'output "k" {{\n  value = "{KEY}"\n}}\n')
    write(
        tmp_path / "app" / "env" / "backend.tf",
        f'terraform {{\n  backend "s3" {{\n    kms_key_id = "{KEY}"\n  }}\n}}\n',
    )
    write(
        tmp_path / "app" / "queue.tf.json",
        f'{{"resource": {{"aws_sqs_queue": {{"j": {{"kms_master_key_id": "{KEY}"}}}}}}}}',
    )
    write(tmp_path / "state" / "outputs.tf", f'output "k" {{\n  value = "{KEY}"\n}}\n')
    write(tmp_path / "target" / "main.tf", f'resource "aws_sqs_queue" "l" {{\n  kms_master_key_id = "{KEY}"\n}}\n')
    (tmp_path / "app" / "linked").symlink_to(tmp_path / "target")
    assert hosted(sweep_plan(tmp_path / "app"), tmp_path / "app") == {
        ".": {
            ("outputs.tf", "Checkov has no check type for output blocks"),
            ("env/backend.tf", "Checkov has no check type for backend blocks"),
            ("queue.tf.json", "Checkov does not read .tf.json files"),
            ("linked/main.tf", "Checkov does not follow symlinked directories"),
        }
    }
    assert hosted(sweep_plan(tmp_path), tmp_path)["RUN"] == {
        ("state/outputs.tf", "Checkov has no check type for output blocks")
    }


def test_without_any_checked_block_no_check_runs_to_report_them(tmp_path: Path) -> None:
    write(tmp_path / "outputs.tf", f'output "k" {{\n  value = "{KEY}"\n}}\n')
    write(tmp_path / "broken.tf", f'resource "aws_sqs_queue" "q" {{\n  kms_master_key_id = "{KEY}"\n')
    assert hosted(sweep_plan(tmp_path), tmp_path) == {
        None: {
            ("outputs.tf", "Checkov has no check type for output blocks"),
            ("broken.tf", "Checkov skips files it cannot parse"),
            ("broken.tf", "unreadable"),
        }
    }


def test_what_checkovs_walk_skips_is_swept_by_its_own_settings(tmp_path: Path) -> None:
    write(tmp_path / "main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    write(tmp_path / ".draft.tf", f'resource "aws_sns_topic" "t" {{\n  kms_master_key_id = "{KEY}"\n}}\n')
    write(tmp_path / ".ci" / "main.tf", f'resource "aws_sns_topic" "t" {{\n  kms_master_key_id = "{KEY}"\n}}\n')
    write(tmp_path / "vendor" / "main.tf", f'resource "aws_sns_topic" "t" {{\n  kms_master_key_id = "{KEY}"\n}}\n')
    assert hosted(sweep_plan(tmp_path), tmp_path) == {
        ".": {
            (".draft.tf", "Checkov skips hidden and ignored files"),
            (".ci/main.tf", "Checkov skips hidden and ignored directories"),
        }
    }
    walk = CheckovWalk(ignored=frozenset({"vendor"}), skip_hidden=False)  # CKV_IGNORED_DIRECTORIES=vendor
    assert hosted(sweep_plan(tmp_path, walk), tmp_path) == {
        ".": {("vendor/main.tf", "Checkov skips hidden and ignored directories")}
    }


def test_what_the_run_was_told_to_skip_is_not_reported(tmp_path: Path) -> None:
    """``--skip-path`` patterns are searched in the whole path (regex or plain text), the root's files included."""
    write(tmp_path / "main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    write(tmp_path / "outputs.tf", f'output "k" {{\n  value = "{KEY}"\n}}\n')
    write(tmp_path / "legacy" / "outputs.tf", f'output "k" {{\n  value = "{KEY}"\n}}\n')
    write(tmp_path / "legacy" / "deep" / "main.tf.json", f'{{"output": {{"k": {{"value": "{KEY}"}}}}}}\n')
    write(tmp_path / "stacks" / "backend.tf", f'terraform {{\n  backend "s3" {{\n    kms_key_id = "{KEY}"\n  }}\n}}\n')
    write(tmp_path / "stacks" / "broken.tf", "resource {\n")
    write(tmp_path / "stacks" / "ajson.tf", f'output "k" {{\n  value = "{KEY}"\n}}\n')
    everything = hosted(sweep_plan(tmp_path), tmp_path)["."]
    assert {file for file, _ in everything} == {
        "outputs.tf", "legacy/outputs.tf", "legacy/deep/main.tf.json", "stacks/backend.tf", "stacks/broken.tf",
        "stacks/ajson.tf",
    }  # fmt: skip
    skipped = CheckovWalk(excluded=("legacy", r"stacks/[ab]\w+\.tf$"))
    assert hosted(sweep_plan(tmp_path, skipped), tmp_path) == {
        ".": {("outputs.tf", "Checkov has no check type for output blocks")}
    }
    assert sweep_plan(tmp_path, CheckovWalk(excluded=(tmp_path.name,))) == {}  # the root's own path matches
    dotted = CheckovWalk(excluded=(".json",))  # one leading dot: taken literally, not as "any character"
    assert {file for file, _ in hosted(sweep_plan(tmp_path, dotted), tmp_path)["."]} == {
        "outputs.tf", "legacy/outputs.tf", "stacks/backend.tf", "stacks/broken.tf", "stacks/ajson.tf"
    }  # fmt: skip
