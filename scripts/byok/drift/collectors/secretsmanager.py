"""Secrets Manager lists each secret's key (as configured: ID, ARN or alias) in ListSecrets."""

from __future__ import annotations

from byok.drift.collectors import Listed, register


@register
class Secrets(Listed):
    name = "secretsmanager"
    service = "secretsmanager"
    resource_type = "AWS::SecretsManager::Secret"
    operation, result_key, id_field, key_field = "list_secrets", "SecretList", "ARN", "KmsKeyId"
