"""Configuration items, as AWS Config would record them, built from what moto holds in one account and region.

moto's own Config resource map covers S3, IAM and SNS only and its ``select_resource_config`` returns canned
answers (DESIGN.md section 7), so the sandbox builds its items itself. Each builder reads one moto backend and
writes the properties byok queries under the exact spelling of the AWS Config resource schema
(awslabs/aws-config-resource-schema, ``config/properties/resource-types/<type>.properties.json``, checked at
commit adf55132, 2025-03-17): the common ``accountId``, ``awsRegion``, ``resourceType``, ``resourceId``,
``resourceName``, ``arn``, ``tags`` (``key``/``value``), and per type the key property (``configuration.kmsKeyId``
for EC2 volumes, RDS and Redshift, ``configuration.KmsKeyId`` for EFS, ``configuration.KMSKeyId`` for Secrets Manager,
``configuration.KmsMasterKeyId`` for SNS and SQS, ``configuration.kmskeyArn`` for Lambda,
``configuration.ssedescription.kmsmasterKeyArn`` for DynamoDB and
``supplementaryConfiguration.ServerSideEncryptionConfiguration.rules.applyServerSideEncryptionByDefault.kmsMasterKeyID``
for S3). ``AWS::KMS::Key`` has the DescribeKey fields camel-cased (``keyState``, ``origin``, ``expirationModel``,
``validTo``, ``multiRegion``) but no materials. Types the schema lacks are not recorded by Config at all:
EBS snapshots and CloudWatch Logs log groups among those byok scans. Only properties byok reads are modelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.dynamodb.models import dynamodb_backends
from moto.ec2.models import ec2_backends
from moto.efs.models import efs_backends
from moto.kms.models import kms_backends
from moto.rds.models import rds_backends
from moto.redshift.models import redshift_backends
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends

Item = dict[str, Any]
Builder = Callable[[str, str], Iterator[Item]]


def iso(value: Any) -> str | None:
    """Config renders dates as ISO-8601 UTC strings; moto keeps epoch seconds or datetimes."""
    if value is None or value == "":
        return None
    when = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def item(
    account: str,
    region: str,
    resource_type: str,
    resource_id: str,
    arn: str,
    configuration: dict[str, Any],
    name: str | None = None,
    tags: dict[str, str] | None = None,
    supplementary: dict[str, Any] | None = None,
) -> Item:
    built = {
        "accountId": account,
        "awsRegion": region,
        "resourceType": resource_type,
        "resourceId": resource_id,
        "resourceName": name or resource_id,
        "arn": arn,
        "configuration": {k: v for k, v in configuration.items() if v not in (None, "")},
        "tags": [{"key": k, "value": v} for k, v in sorted((tags or {}).items())],
    }
    if supplementary:
        built["supplementaryConfiguration"] = supplementary
    return built


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


_DATES = ("CreationDate", "DeletionDate", "ValidTo")


def kms_keys(account: str, region: str) -> Iterator[Item]:
    backend = kms_backends[account][region]
    for key in list(backend.keys.values()):
        metadata = key.to_dict()["KeyMetadata"]
        metadata["MultiRegion"] = bool(metadata.get("MultiRegion"))  # moto: None when not asked for; KMS: false
        configuration = {_camel(k): iso(v) if k in _DATES else v for k, v in metadata.items()}
        tags = backend.tagger.get_tag_dict_for_resource(key.id)
        yield item(account, region, "AWS::KMS::Key", key.id, key.arn, configuration, tags=tags)


def kms_aliases(account: str, region: str) -> Iterator[Item]:
    backend = kms_backends[account][region]
    for key in list(backend.keys.values()):
        for name, alias in sorted(key.aliases.items()):
            configuration = {"AliasName": name, "TargetKeyId": key.id}
            yield item(account, region, "AWS::KMS::Alias", name, alias.alias_arn, configuration)


def ebs_volumes(account: str, region: str) -> Iterator[Item]:
    for volume in list(ec2_backends[account][region].volumes.values()):
        arn = f"arn:aws:ec2:{region}:{account}:volume/{volume.id}"
        configuration = {"volumeId": volume.id, "encrypted": bool(volume.encrypted), "kmsKeyId": volume.kms_key_id}
        yield item(account, region, "AWS::EC2::Volume", volume.id, arn, configuration)


def _rds(collection: str, resource_type: str, arn_attribute: str, id_attribute: str) -> Builder:
    def build(account: str, region: str) -> Iterator[Item]:
        for resource in list(getattr(rds_backends[account][region], collection).values()):
            encrypted = bool(getattr(resource, "storage_encrypted", getattr(resource, "encrypted", False)))
            key = resource.kms_key_id if encrypted else None
            name = getattr(resource, id_attribute)
            configuration = {"storageEncrypted": encrypted, "kmsKeyId": key}
            yield item(account, region, resource_type, name, getattr(resource, arn_attribute), configuration, name)

    return build


def redshift_clusters(account: str, region: str) -> Iterator[Item]:
    """No API collector reads Redshift: only Config tells byok which key a cluster uses."""
    for cluster in list(redshift_backends[account][region].clusters.values()):
        name = cluster.cluster_identifier
        configuration = {
            "clusterIdentifier": name,
            "encrypted": bool(cluster.encrypted),
            "kmsKeyId": cluster.kms_key_id,
        }
        yield item(account, region, "AWS::Redshift::Cluster", name, cluster.arn, configuration)


def efs_file_systems(account: str, region: str) -> Iterator[Item]:
    for fs in list(efs_backends[account][region].file_systems_by_id.values()):
        configuration = {"FileSystemId": fs.file_system_id, "Encrypted": bool(fs.encrypted), "KmsKeyId": fs.kms_key_id}
        yield item(account, region, "AWS::EFS::FileSystem", fs.file_system_id, fs.file_system_arn, configuration)


def secrets(account: str, region: str) -> Iterator[Item]:
    backend = secretsmanager_backends[account][region]
    for secret in list(backend.secrets.values()):
        key = secret.kms_key_id if secret.kms_key_id != backend.DEFAULT_KMS_KEY_ALIAS else None
        configuration = {"Name": secret.name, "KMSKeyId": key}
        yield item(account, region, "AWS::SecretsManager::Secret", secret.arn, secret.arn, configuration, secret.name)


def sns_topics(account: str, region: str) -> Iterator[Item]:
    for topic in list(sns_backends[account][region].topics.values()):
        configuration = {"TopicArn": topic.arn, "KmsMasterKeyId": topic.kms_master_key_id}
        yield item(account, region, "AWS::SNS::Topic", topic.arn, topic.arn, configuration, topic.name)


def sqs_queues(account: str, region: str) -> Iterator[Item]:
    for queue in list(sqs_backends[account][region].queues.values()):
        configuration = {"QueueArn": queue.queue_arn, "KmsMasterKeyId": getattr(queue, "kms_master_key_id", None)}
        yield item(account, region, "AWS::SQS::Queue", queue.queue_arn, queue.queue_arn, configuration, queue.name)


def lambda_functions(account: str, region: str) -> Iterator[Item]:
    for function in list(lambda_backends[account][region]._lambdas.all()):
        configuration = {"functionName": function.function_name, "kmskeyArn": function.kms_key_arn}
        arn = function.function_arn
        yield item(account, region, "AWS::Lambda::Function", function.function_name, arn, configuration)


def dynamodb_tables(account: str, region: str) -> Iterator[Item]:
    for table in list(dynamodb_backends[account][region].tables.values()):
        sse = table.sse_specification or {}
        description = {"status": "ENABLED", "ssetype": "KMS", "kmsmasterKeyArn": sse.get("KMSMasterKeyId")}
        configuration = {"tableName": table.name, "tableArn": table.table_arn}
        if sse.get("Enabled") is True:
            configuration["ssedescription"] = description
        yield item(account, region, "AWS::DynamoDB::Table", table.name, table.table_arn, configuration)


def s3_buckets(account: str, region: str) -> Iterator[Item]:
    """S3 buckets are recorded in the region they live in, though S3's backend is one per partition."""
    for bucket in list(s3_backends[account]["aws"].buckets.values()):
        if bucket.region_name != region:
            continue
        rules = _bucket_rules(bucket.encryption)
        supplementary = {"ServerSideEncryptionConfiguration": {"rules": rules}} if rules else None
        arn = f"arn:aws:s3:::{bucket.name}"
        configuration = {"name": bucket.name}
        yield item(account, region, "AWS::S3::Bucket", bucket.name, arn, configuration, supplementary=supplementary)


def _bucket_rules(encryption: dict[str, Any] | None) -> list[dict[str, Any]]:
    """moto keeps the parsed XML of PutBucketEncryption: one ``Rule`` or a list of them."""
    if not encryption:
        return []
    rules = encryption.get("Rule", [])
    rules = rules if isinstance(rules, list) else [rules]
    out = []
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        entry = {"sseAlgorithm": default.get("SSEAlgorithm"), "kmsMasterKeyID": default.get("KMSMasterKeyID")}
        out.append({"applyServerSideEncryptionByDefault": {k: v for k, v in entry.items() if v}})
    return out


BUILDERS: dict[str, Builder] = {
    "AWS::KMS::Key": kms_keys,
    "AWS::KMS::Alias": kms_aliases,
    "AWS::EC2::Volume": ebs_volumes,
    "AWS::RDS::DBInstance": _rds("databases", "AWS::RDS::DBInstance", "db_instance_arn", "db_instance_identifier"),
    "AWS::RDS::DBCluster": _rds("clusters", "AWS::RDS::DBCluster", "db_cluster_arn", "db_cluster_identifier"),
    "AWS::RDS::DBSnapshot": _rds(
        "database_snapshots", "AWS::RDS::DBSnapshot", "db_snapshot_arn", "db_snapshot_identifier"
    ),
    "AWS::RDS::DBClusterSnapshot": _rds(
        "cluster_snapshots", "AWS::RDS::DBClusterSnapshot", "db_cluster_snapshot_arn", "db_cluster_snapshot_identifier"
    ),
    "AWS::Redshift::Cluster": redshift_clusters,
    "AWS::EFS::FileSystem": efs_file_systems,
    "AWS::SecretsManager::Secret": secrets,
    "AWS::SNS::Topic": sns_topics,
    "AWS::SQS::Queue": sqs_queues,
    "AWS::Lambda::Function": lambda_functions,
    "AWS::DynamoDB::Table": dynamodb_tables,
    "AWS::S3::Bucket": s3_buckets,
}
