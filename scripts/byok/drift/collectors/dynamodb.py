"""DynamoDB tables: ListTables, then one DescribeTable per table for its SSE key."""

from __future__ import annotations

from typing import Any

from byok.drift.collectors import Described, register


@register
class DynamoDbTables(Described):
    name = "dynamodb"
    service = "dynamodb"
    resource_type = "AWS::DynamoDB::Table"
    list_operation, list_key = "list_tables", "TableNames"

    def key_of(self, client: Any, item: str) -> tuple[str, str, str | None]:
        table = client.describe_table(TableName=item)["Table"]
        sse = table.get("SSEDescription") or {}
        return table["TableArn"], "SSEDescription.KMSMasterKeyArn", sse.get("KMSMasterKeyArn")
