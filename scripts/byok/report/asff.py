"""AWS Security Finding Format, as BatchImportFindings takes it (``{"Findings": [...]}``).

IDs are the findings' fingerprints, so importing tonight's run updates last night's findings instead of
duplicating them. Code findings have no account or region of their own and land in the configured ones.
"""

from __future__ import annotations

import json
from typing import Any

from byok.drift.engine import DriftResult
from byok.drift.findings import Finding, Severity
from byok.errors import ConfigError
from byok.report.options import ReportOptions

SCHEMA_VERSION = "2018-10-08"
LABELS = {
    Severity.CRITICAL: "CRITICAL",
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "LOW",
    Severity.INFO: "INFORMATIONAL",
}
RESOURCE_TYPES = {
    "AWS::KMS::Key": "AwsKmsKey",
    "AWS::S3::Bucket": "AwsS3Bucket",
    "AWS::RDS::DBInstance": "AwsRdsDbInstance",
    "AWS::RDS::DBCluster": "AwsRdsDbCluster",
    "AWS::RDS::DBSnapshot": "AwsRdsDbSnapshot",
    "AWS::RDS::DBClusterSnapshot": "AwsRdsDbClusterSnapshot",
    "AWS::DynamoDB::Table": "AwsDynamoDbTable",
    "AWS::EC2::Volume": "AwsEc2Volume",
    "AWS::SecretsManager::Secret": "AwsSecretsManagerSecret",
    "AWS::SQS::Queue": "AwsSqsQueue",
    "AWS::SNS::Topic": "AwsSnsTopic",
    "AWS::Lambda::Function": "AwsLambdaFunction",
    "AWS::EFS::FileSystem": "AwsEfsFileSystem",
}
UNKNOWN_ACCOUNT = ReportOptions.account  # the placeholder ReportOptions holds when nobody named an account
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices/byok key rotation"


def render(result: DriftResult, options: ReportOptions) -> str:
    if options.account == UNKNOWN_ACCOUNT and any(not f.resource.account for f in result.findings):
        # A made-up account would be rejected by BatchImportFindings, or worse, filed under a wrong account.
        raise ConfigError(
            "no AWS account to file code findings under in Security Hub",
            "list the environment's accounts in byok.toml (accounts = [...]) or pass --accounts",
        )
    timestamp = result.generated_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"Findings": [_finding(f, options, timestamp) for f in result.findings]}, indent=2) + "\n"


def _finding(finding: Finding, options: ReportOptions, timestamp: str) -> dict[str, Any]:
    resource = finding.resource
    account = resource.account or options.account
    region = resource.region or options.region
    details = {k: str(v) for k, v in (("File", resource.file), ("Line", resource.line)) if v is not None}
    fields = {"byok/rule": finding.rule_id, "byok/source": finding.source, "byok/key": finding.key or ""}
    asff_resource: dict[str, Any] = {
        "Type": RESOURCE_TYPES.get(resource.type, "Other"),
        "Id": resource.id,
        "Partition": options.partition,
        "Region": region,
    }
    if details:
        asff_resource["Details"] = {"Other": details}
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"byok/{finding.fingerprint}",
        "ProductArn": f"arn:{options.partition}:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": finding.rule_id,
        "AwsAccountId": account,
        "Types": [FINDING_TYPE],
        "CreatedAt": timestamp,
        "UpdatedAt": timestamp,
        "Severity": {"Label": LABELS[finding.severity]},
        "Title": f"{finding.rule_id} {finding.title}"[:256],
        "Description": finding.detail[:1024],
        "Remediation": {"Recommendation": {"Text": finding.remediation[:512]}},
        "ProductFields": fields,
        "Resources": [asff_resource],
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
    }
