"""EFS file systems, like RDS, keep their creation-time key for life."""

from __future__ import annotations

from byok.drift.collectors import Listed, register


@register
class EfsFileSystems(Listed):
    name = "efs"
    service = "efs"
    resource_type = "AWS::EFS::FileSystem"
    operation, result_key, id_field, key_field = "describe_file_systems", "FileSystems", "FileSystemArn", "KmsKeyId"
