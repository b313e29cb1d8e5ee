"""Where each AWS resource type keeps the KMS key that encrypts it, as Checkov presents the block.

The literal-key check and the retired-key check look at the same attributes; keeping the map in one
place means a new resource type is covered by both or by neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_SSE_DEFAULT = ("rule", "apply_server_side_encryption_by_default", "kms_master_key_id")

KEY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_s3_bucket": ("server_side_encryption_configuration", *_SSE_DEFAULT),
    "aws_s3_bucket_server_side_encryption_configuration": _SSE_DEFAULT,
    "aws_db_instance": ("kms_key_id",),
    "aws_rds_cluster": ("kms_key_id",),
    "aws_dynamodb_table": ("server_side_encryption", "kms_key_arn"),
    "aws_ebs_volume": ("kms_key_id",),
    "aws_sqs_queue": ("kms_master_key_id",),
    "aws_secretsmanager_secret": ("kms_key_id",),
    "aws_sns_topic": ("kms_master_key_id",),
    "aws_cloudwatch_log_group": ("kms_key_id",),
    "aws_lambda_function": ("kms_key_arn",),
}


def key_values(conf: dict[str, Any], resource_type: str) -> Iterator[tuple[str, str]]:
    """Yield ``(evaluated key, value)`` for every string the resource gives as its encryption key.

    Checkov wraps every attribute and every nested block in a list, and a block may repeat (several
    ``rule`` blocks), so the path is walked through each element; the evaluated key uses Checkov's own
    ``name/[index]/name`` form so that its report points at the exact attribute.
    """
    yield from _walk(conf, KEY_ATTRIBUTES[resource_type], "")


def _walk(node: dict[str, Any], path: tuple[str, ...], prefix: str) -> Iterator[tuple[str, str]]:
    name, rest = path[0], path[1:]
    values = node.get(name)
    if not isinstance(values, list):
        return
    for index, value in enumerate(values):
        if rest and isinstance(value, dict):
            yield from _walk(value, rest, f"{prefix}{name}/[{index}]/")
        elif not rest and isinstance(value, str):
            yield f"{prefix}{name}", value
