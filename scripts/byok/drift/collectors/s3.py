"""S3 bucket default encryption: ListBuckets once per account, then one GetBucketEncryption per bucket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from byok.drift.collectors import Collector, Page, Scope, paginate, register
from byok.drift.facts import Fact

NO_ENCRYPTION = "ServerSideEncryptionConfigurationNotFoundError"


@register
class S3Buckets(Collector):
    name = "s3"
    service = "s3"
    resource_type = "AWS::S3::Bucket"
    global_service = True

    def list(self, client: Any, scope: Scope) -> Page:
        buckets = paginate(client, "list_buckets", "Buckets")
        return Page(pending=[(b["Name"], b.get("BucketRegion") or scope.region) for b in buckets])

    def describe(self, client: Any, scope: Scope, item: tuple[str, str]) -> Iterator[Fact]:
        bucket, region = item
        try:
            rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == NO_ENCRYPTION:
                return
            raise
        here = Scope(scope.account, region, scope.partition)
        for rule in rules:
            default = rule.get("ApplyServerSideEncryptionByDefault", {})
            arn = f"arn:{scope.partition}:s3:::{bucket}"
            usage = self.usage(here, arn, "KMSMasterKeyID", default.get("KMSMasterKeyID"))
            if usage is not None:
                yield usage
