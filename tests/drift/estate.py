"""The seeded dev estate shared by the live and Config drift suites: every rule has a known answer on it."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

from tests.drift.conftest import aws, days_ago

from byok.sandbox import clock
from support.sandbox import ACCOUNT_ID, REGION, import_material


def external_key(kms, name: str, generation: int, strategy: str, state: str = "active", **material) -> dict:
    tags = {
        "byok:key": name,
        "byok:generation": str(generation),
        "byok:strategy": strategy,
        "byok:state": state,
        "byok:rotated": days_ago(10),
    }
    meta = kms.create_key(Origin="EXTERNAL", Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])
    key = meta["KeyMetadata"]
    import_material(kms, key["KeyId"], os.urandom(32), **material)
    return key


def seed_estate(sandbox) -> dict:
    """The dev estate every drift rule fires on; the sandbox clock is left two hours after the seeding."""
    sandbox.reset()
    start = datetime.now(UTC).replace(microsecond=0)
    clock.set_time(start)
    kms = aws(sandbox, "kms")
    g1 = external_key(kms, "dev-app", 1, "alias-swap", "retired")
    kms.delete_imported_key_material(KeyId=g1["KeyId"])
    g2 = external_key(kms, "dev-app", 2, "alias-swap", "retiring")
    g3 = external_key(kms, "dev-app", 3, "alias-swap")
    for number, key in ((1, g1), (2, g2), (3, g3)):
        kms.create_alias(AliasName=f"alias/dev-app-g{number}", TargetKeyId=key["KeyId"])
    kms.create_alias(AliasName="alias/dev-app", TargetKeyId=g2["KeyId"])  # should be on generation 3
    logs = external_key(kms, "dev-logs", 1, "in-place", ValidTo=start + timedelta(days=1))
    import_material(kms, logs["KeyId"], os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    kms.rotate_key_on_demand(KeyId=logs["KeyId"])  # the material expiring tomorrow is now NON_CURRENT
    kms.create_alias(AliasName="alias/dev-logs", TargetKeyId=logs["KeyId"])
    cache = external_key(kms, "dev-cache", 1, "in-place", ValidTo=start + timedelta(hours=1))
    kms.create_alias(AliasName="alias/dev-cache", TargetKeyId=cache["KeyId"])
    old = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    import_material(kms, old["KeyId"], os.urandom(32))
    kms.schedule_key_deletion(KeyId=old["KeyId"], PendingWindowInDays=7)

    aws(sandbox, "rds").create_db_instance(
        DBInstanceIdentifier="orders",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="orders",
        MasterUserPassword="not-a-secret-moto-only",
        StorageEncrypted=True,
        KmsKeyId=g1["Arn"],
    )
    volume = aws(sandbox, "ec2").create_volume(
        AvailabilityZone=f"{REGION}a", Size=1, Encrypted=True, KmsKeyId=g2["Arn"]
    )
    s3 = aws(sandbox, "s3")
    s3.create_bucket(Bucket="dev-app-data")
    s3.put_bucket_encryption(
        Bucket="dev-app-data",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": g3["Arn"]}}]
        },
    )
    s3.create_bucket(Bucket="dev-unencrypted-by-kms")
    aws(sandbox, "sqs").create_queue(QueueName="dev-events", Attributes={"KmsMasterKeyId": "alias/dev-logs"})
    topic = aws(sandbox, "sns").create_topic(Name="dev-alerts", Attributes={"KmsMasterKeyId": "alias/dev-app-g1"})
    aws(sandbox, "dynamodb").create_table(
        TableName="dev-cache",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": cache["Arn"]},
    )
    secret = aws(sandbox, "secretsmanager").create_secret(Name="dev/app", SecretString="x", KmsKeyId=old["Arn"])
    missing = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{uuid.uuid4()}"
    aws(sandbox, "logs").create_log_group(logGroupName="/dev/app", kmsKeyId=missing)
    clock.advance(2 * 3600)  # the cache material (valid one hour) has now expired
    return {
        "g1": g1["Arn"],
        "g2": g2["Arn"],
        "g3": g3["Arn"],
        "logs": logs["Arn"],
        "cache": cache["Arn"],
        "volume": f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:volume/{volume['VolumeId']}",
        "topic": topic["TopicArn"],
        "secret": secret["ARN"],
        "missing": missing,
        "now": clock.now(),
    }
