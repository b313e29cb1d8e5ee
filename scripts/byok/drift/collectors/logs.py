"""CloudWatch Logs log groups encrypted with a customer key carry it in DescribeLogGroups."""

from __future__ import annotations

from byok.drift.collectors import Listed, register


@register
class LogGroups(Listed):
    name = "logs"
    service = "logs"
    resource_type = "AWS::Logs::LogGroup"
    operation, result_key, id_field, key_field = "describe_log_groups", "logGroups", "logGroupArn", "kmsKeyId"
