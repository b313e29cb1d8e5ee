"""DescribeSnapshots scoped by ``OwnerIds``, as EC2 answers it: moto ignores the parameter.

EC2's API reference: ``OwnerIds`` "scopes the results to snapshots with the specified owners", any mix of
account IDs, ``self`` (the caller's account) and ``amazon``. moto answers every snapshot of the Region
instead, and every Region holds one snapshot per default AMI (owned by Amazon and others, hundreds of them).
A scan asking for ``OwnerIds=["self"]``, as byok's EBS collector and Cloud Custodian's ``ebs-snapshot`` both
do, would list snapshots the account does not own, and the benchmarks would time moto serialising them.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.responses.elastic_block_store import ElasticBlockStore

AMAZON = "amazon"


def describe_snapshots(self: Any) -> ActionResult:
    """moto's response (snapshot IDs, filters), then only the snapshots of the owners asked for, if any."""
    snapshots = self.ec2_backend.describe_snapshots(
        snapshot_ids=self._get_param("SnapshotIds", []), filters=self._filters_from_querystring()
    )
    owners = self._get_param("OwnerIds", [])
    if owners:
        wanted = {self.current_account if owner == "self" else owner for owner in owners}
        snapshots = [snapshot for snapshot in snapshots if _owned_by(snapshot, wanted, self.ec2_backend)]
    return ActionResult({"Snapshots": snapshots})


def _owned_by(snapshot: Any, owners: set[str], backend: Any) -> bool:
    """By account ID, or by the ``amazon`` alias for snapshots of AMIs Amazon publishes."""
    if snapshot.owner_id in owners:
        return True
    ami = backend.amis.get(snapshot.from_ami) if AMAZON in owners and snapshot.from_ami else None
    return ami is not None and ami.owner_alias == AMAZON


def install() -> None:
    """Replace moto's DescribeSnapshots response (idempotent)."""
    ElasticBlockStore.describe_snapshots = describe_snapshots
