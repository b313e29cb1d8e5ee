"""SQS queues: ListQueues, then one GetQueueAttributes per queue (the key as configured, often an alias)."""

from __future__ import annotations

from typing import Any

from byok.drift.collectors import Described, register


@register
class SqsQueues(Described):
    name = "sqs"
    service = "sqs"
    resource_type = "AWS::SQS::Queue"
    list_operation, list_key = "list_queues", "QueueUrls"

    def key_of(self, client: Any, item: str) -> tuple[str, str, str | None]:
        wanted = ["QueueArn", "KmsMasterKeyId"]
        values = client.get_queue_attributes(QueueUrl=item, AttributeNames=wanted).get("Attributes", {})
        return values.get("QueueArn", item), "KmsMasterKeyId", values.get("KmsMasterKeyId")
