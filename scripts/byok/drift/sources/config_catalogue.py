"""Where AWS Config's configuration item of each resource type holds the KMS key, and which collector reads the same.

Every path was checked against the AWS Config resource schema (awslabs/aws-config-resource-schema,
``config/properties/resource-types/<type>.properties.json``, commit adf55132 of 2025-03-17). The spellings differ
by service (``kmsKeyId``, ``KmsKeyId``, ``KMSKeyId``, ``KmsMasterKeyId``, ``kmskeyArn``, ``kmsmasterKeyArn``,
``kmsMasterKeyID``), and an advanced query cannot mix names that differ only by case, so the source sends one
query per spelling. The schema has no ``AWS::EC2::Snapshot`` and no ``AWS::Logs::LogGroup``: Config does not
record them, and their collectors always run against the service APIs. ``AWS::Redshift::Cluster`` has no
collector: only Config tells byok which key a Redshift cluster uses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

KEY_TYPE = "AWS::KMS::Key"
ALIAS_TYPE = "AWS::KMS::Alias"
RECORDER_TYPE = "AWS::Config::ConfigurationRecorder"


@dataclass(frozen=True)
class KeyProperty:
    resource_type: str
    path: str  # as spelled in the Config schema
    collector: str | None  # the live collector that reads the same resources, if any


PROPERTIES: tuple[KeyProperty, ...] = (
    KeyProperty("AWS::EC2::Volume", "configuration.kmsKeyId", "ebs-volumes"),
    KeyProperty("AWS::RDS::DBInstance", "configuration.kmsKeyId", "rds-instances"),
    KeyProperty("AWS::RDS::DBCluster", "configuration.kmsKeyId", "rds-clusters"),
    KeyProperty("AWS::RDS::DBSnapshot", "configuration.kmsKeyId", "rds-snapshots"),
    KeyProperty("AWS::RDS::DBClusterSnapshot", "configuration.kmsKeyId", "rds-cluster-snapshots"),
    KeyProperty("AWS::Redshift::Cluster", "configuration.kmsKeyId", None),
    KeyProperty("AWS::EFS::FileSystem", "configuration.KmsKeyId", "efs"),
    KeyProperty("AWS::SecretsManager::Secret", "configuration.KMSKeyId", "secretsmanager"),
    KeyProperty("AWS::SNS::Topic", "configuration.KmsMasterKeyId", "sns"),
    KeyProperty("AWS::SQS::Queue", "configuration.KmsMasterKeyId", "sqs"),
    KeyProperty("AWS::Lambda::Function", "configuration.kmskeyArn", "lambda"),
    KeyProperty("AWS::DynamoDB::Table", "configuration.ssedescription.kmsmasterKeyArn", "dynamodb"),
    KeyProperty(
        "AWS::S3::Bucket",
        "supplementaryConfiguration.ServerSideEncryptionConfiguration.rules.applyServerSideEncryptionByDefault"
        ".kmsMasterKeyID",
        "s3",
    ),
)

# The KMS collector reads keys and aliases; Config records them as two types.
KMS_COLLECTOR = "kms"
RECORDED_BY_CONFIG: frozenset[str] = frozenset({p.resource_type for p in PROPERTIES} | {KEY_TYPE, ALIAS_TYPE})


def by_spelling() -> dict[str, list[str]]:
    """Property path -> the resource types that spell their key that way: one query each."""
    spellings: dict[str, list[str]] = defaultdict(list)
    for prop in PROPERTIES:
        spellings[prop.path].append(prop.resource_type)
    return dict(spellings)


def collector_types() -> dict[str, frozenset[str]]:
    """Collector name -> the Config types that replace it (all of them must be recorded for it to be skipped)."""
    types: dict[str, set[str]] = defaultdict(set)
    for prop in PROPERTIES:
        if prop.collector:
            types[prop.collector].add(prop.resource_type)
    types[KMS_COLLECTOR] = {KEY_TYPE, ALIAS_TYPE}
    return {name: frozenset(found) for name, found in types.items()}


def read_path(row: dict, path: str) -> list[str]:
    """The string values at a dotted path of one query result row, arrays flattened."""
    values: list = [row]
    for part in path.split("."):
        nxt: list = []
        for value in values:
            for element in value if isinstance(value, list) else [value]:
                if isinstance(element, dict) and part in element:
                    nxt.append(element[part])
        values = nxt
    flat: list[str] = []
    for value in values:
        flat.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v)
    return flat
