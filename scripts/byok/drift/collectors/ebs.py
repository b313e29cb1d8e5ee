"""EBS volumes and snapshots keep the key they were created with; only a copy moves them to a new one."""

from __future__ import annotations

from typing import Any

from byok.drift.collectors import Listed, Scope, register


class _Ec2(Listed):
    """EC2 returns IDs, not ARNs; the ARN is built so findings name resources the same way everywhere."""

    service = "ec2"
    kind = ""

    def resource_id(self, scope: Scope, item: dict[str, Any]) -> str:
        return f"arn:{scope.partition}:ec2:{scope.region}:{scope.account}:{self.kind}/{item[self.id_field]}"


@register
class EbsVolumes(_Ec2):
    name = "ebs-volumes"
    resource_type = "AWS::EC2::Volume"
    kind = "volume"
    operation, result_key, id_field, key_field = "describe_volumes", "Volumes", "VolumeId", "KmsKeyId"


@register
class EbsSnapshots(_Ec2):
    name = "ebs-snapshots"
    resource_type = "AWS::EC2::Snapshot"
    kind = "snapshot"
    operation, result_key, id_field, key_field = "describe_snapshots", "Snapshots", "SnapshotId", "KmsKeyId"
    arguments = {"OwnerIds": ["self"]}
