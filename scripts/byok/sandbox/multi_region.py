"""Multi-Region keys with imported material: one primary, replicas in other Regions, one list of materials.

KMS never copies imported bytes between Regions (ImportKeyMaterial and ReplicateKey API reference): a replica
of an EXTERNAL primary is created PendingImport, and each replica takes the primary's material through its own
GetParametersForImport (its own wrapping key and import token) as EXISTING_KEY_MATERIAL, the same bytes, so the
same KeyMaterialId (the ID hashes key ID and bytes, and the set shares one key ID). What KMS keeps in step is
which materials exist and their states:

- NEW_KEY_MATERIAL goes into the primary only, and waits in PENDING_MULTI_REGION_IMPORT_AND_ROTATION until every
  replica holds it, then PENDING_ROTATION;
- RotateKeyOnDemand on the primary makes it CURRENT in every Region (a replica cannot be rotated itself);
- deleting (or the expiry of) a pending material on the primary removes it from the replicas; deleting one on a
  replica leaves the primary's and the other replicas' alone (the primary waits for that replica again).

:func:`settle` restores that agreement after any change, starting from whichever key of the set changed.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.kms.models import kms_backends

from byok.model import KeyState
from byok.sandbox import clock, usage
from byok.sandbox.faults import fault
from byok.sandbox.keys import is_replica, materials_of

_lock = threading.RLock()  # the server answers in threads; a set's materials change together


def primary_of(key: Any) -> Any | None:
    primary = key.multi_region_configuration["PrimaryKey"]
    return kms_backends[key.account_id][primary["Region"]].keys.get(key.id)


def replicas_of(primary: Any) -> list[Any]:
    found = (
        kms_backends[primary.account_id][replica["Region"]].keys.get(primary.id)
        for replica in primary.multi_region_configuration["ReplicaKeys"]
    )
    return [replica for replica in found if replica is not None]


def settle(key: Any) -> None:
    """Bring every key of ``key``'s multi-Region set into agreement with the primary's materials."""
    if not key.multi_region:
        return
    with _lock:
        primary = primary_of(key)
        materials = materials_of(primary) if primary is not None else None
        if materials is None or not materials.external:
            return
        now = clock.now()
        materials.expire(now)
        replica_materials = [m for m in map(materials_of, replicas_of(primary)) if m is not None]
        for replica in replica_materials:
            replica.expire(now)
            replica.mirror(materials)
        materials.settle_pending(replica_materials)


def check_replicable(backend: Any, key_id: str, replica_region: str) -> None:
    """The refusals of ReplicateKey that moto does not make: only a primary replicates, once per Region."""
    key = backend.describe_key(key_id)
    if not key.multi_region:
        raise fault("UnsupportedOperationException", f"{key.arn} is not a multi-Region key")
    if is_replica(key):
        raise fault("UnsupportedOperationException", f"{key.arn} is a replica key: replicate the primary key")
    if replica_region == key.region or key.id in kms_backends[key.account_id][replica_region].keys:
        raise fault("AlreadyExistsException", f"{key.id} already exists in {replica_region}")


def adopt(replica: Any) -> None:
    """Give a fresh replica its own multi-Region view and state, then its list of materials.

    moto copies the primary object, so primary and replica would share one configuration dict (and a replica's
    DescribeKey would turn the primary into a REPLICA) and the primary's key state, usage and materials.
    """
    shared = replica.multi_region_configuration
    replica.multi_region_configuration = {**shared, "MultiRegionKeyType": "REPLICA"}
    replica.key_state = KeyState.ENABLED.value  # derived: PendingImport until its material is imported
    usage.forget(replica)
    settle(replica)
