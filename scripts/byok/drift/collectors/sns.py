"""SNS topics: ListTopics, then one GetTopicAttributes per topic."""

from __future__ import annotations

from typing import Any

from byok.drift.collectors import Described, register


@register
class SnsTopics(Described):
    name = "sns"
    service = "sns"
    resource_type = "AWS::SNS::Topic"
    list_operation, list_key = "list_topics", "Topics"

    def key_of(self, client: Any, item: dict[str, str]) -> tuple[str, str, str | None]:
        topic = item["TopicArn"]
        return (
            topic,
            "KmsMasterKeyId",
            client.get_topic_attributes(TopicArn=topic).get("Attributes", {}).get("KmsMasterKeyId"),
        )
