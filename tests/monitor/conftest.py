"""A small seeded estate on the local endpoint, and the Lambda environment the module would write.

dev-app is an alias-swap key on generation 3; generation 2 is retiring and generation 1 retired. One bucket
is still on generation 2, a topic on generation 1 (through its generation alias), one bucket on generation 3,
one bucket without a KMS key: one answer of each kind for the Config rule.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from typing import Any

import pytest
from tests.terraform.conftest import aim_example, engine, plugin_dir, tree

from byok.sandbox.server import LocalEndpoint
from support.sandbox import ACCOUNT_ID, REGION, client, import_material, sandbox

__all__ = ["ACCOUNT_ID", "REGION", "aim_example", "engine", "plugin_dir", "sandbox", "tree"]

TOPIC = "byok-drift-findings"


@pytest.fixture(scope="session")
def endpoint(sandbox: LocalEndpoint) -> LocalEndpoint:
    """Terraform applies against the handlers' server: moto keeps one state per process, so a second server
    would share it anyway."""
    return sandbox


def days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


INTENT = {
    "dev": {
        "app": {
            "alias": "dev-app",
            "strategy": "alias-swap",
            "max_age_days": 365,
            "generations": {
                "1": {"state": "retired", "created": days_ago(700)},
                "2": {"state": "retiring", "created": days_ago(340)},
                "3": {"state": "active", "created": days_ago(10)},
            },
        }
    }
}


def generation_key(kms: Any, number: int, state: str) -> dict[str, Any]:
    tags = {"byok:key": "dev-app", "byok:generation": str(number), "byok:strategy": "alias-swap", "byok:state": state}
    key = kms.create_key(Origin="EXTERNAL", Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])
    key_id = key["KeyMetadata"]["KeyId"]
    import_material(kms, key_id, os.urandom(32))
    kms.create_alias(AliasName=f"alias/dev-app-g{number}", TargetKeyId=key_id)
    return key["KeyMetadata"]


def encrypted_bucket(s3: Any, name: str, key_arn: str | None) -> None:
    s3.create_bucket(Bucket=name)
    if key_arn:
        default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
        s3.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]}
        )


@pytest.fixture(scope="module")
def estate(sandbox: LocalEndpoint) -> dict[str, str]:
    sandbox.reset()
    kms = client(sandbox, "kms")
    keys = {
        number: generation_key(kms, number, state) for number, state in ((1, "retired"), (2, "retiring"), (3, "active"))
    }
    kms.create_alias(AliasName="alias/dev-app", TargetKeyId=keys[3]["KeyId"])
    s3 = client(sandbox, "s3")
    encrypted_bucket(s3, "dev-app-old", keys[2]["Arn"])
    encrypted_bucket(s3, "dev-app-new", keys[3]["Arn"])
    encrypted_bucket(s3, "dev-plain", None)
    sns = client(sandbox, "sns")
    alerts = sns.create_topic(Name="dev-alerts", Attributes={"KmsMasterKeyId": "alias/dev-app-g1"})["TopicArn"]
    findings = sns.create_topic(Name=TOPIC)["TopicArn"]
    sqs = client(sandbox, "sqs")
    queue = sqs.create_queue(QueueName="drift-inbox")["QueueUrl"]
    inbox = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=findings, Protocol="sqs", Endpoint=inbox)
    return {"alerts": alerts, "findings_topic": findings, "queue": queue}


@pytest.fixture
def lambda_env(sandbox: LocalEndpoint, estate: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """What modules/drift-monitor puts in the functions' environment, plus the local endpoint."""
    values = {
        "AWS_ENDPOINT_URL": sandbox.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "BYOK_INTENT": json.dumps(INTENT),
        "BYOK_REGIONS": REGION,
        "BYOK_HORIZON_DAYS": "30",
        "BYOK_THRESHOLD": "medium",
        "BYOK_SECURITY_HUB": "true",
        "BYOK_TOPIC_ARN": estate["findings_topic"],
        "BYOK_RESOURCE_TYPES": "AWS::S3::Bucket,AWS::SNS::Topic",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
