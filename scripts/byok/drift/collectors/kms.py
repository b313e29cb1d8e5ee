"""KMS itself: aliases, and per key its state, tags, multi-Region role and every material with its ValidTo.

Materials come from ListKeyRotations(IncludeKeyMaterial=ALL_KEY_MATERIAL) because a NON_CURRENT material
that expires takes the key down just like the current one. Tags and materials are read only for
customer-managed keys: AWS-managed keys refuse ListResourceTags and have no imported material.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from byok.drift.collectors import Collector, Page, Scope, paginate, register
from byok.drift.facts import AliasFact, Fact, KeyFact
from byok.drift.reference import KeyReference
from byok.kms import client as kms_client
from byok.kms.client import material_from_entry as material_from


@register
class KmsKeys(Collector):
    name = "kms"
    service = "kms"
    resource_type = "AWS::KMS::Key"

    def list(self, client: Any, scope: Scope) -> Page:
        aliases: list[Fact] = [
            AliasFact(scope.account, scope.region, alias["AliasName"], alias["TargetKeyId"])
            for alias in paginate(client, "list_aliases", "Aliases")
            if alias.get("TargetKeyId")
        ]
        keys = paginate(client, "list_keys", "Keys", PaginationConfig={"PageSize": kms_client.LIST_KEYS_PAGE})
        return Page(facts=aliases, pending=(key["KeyId"] for key in keys))  # lazily: a page at a time

    def describe(self, client: Any, scope: Scope, item: str) -> Iterator[Fact]:
        meta = client.describe_key(KeyId=item)["KeyMetadata"]
        reference = KeyReference.parse(meta["Arn"])
        if reference is None:
            return
        customer = meta.get("KeyManager", "CUSTOMER") == "CUSTOMER"
        tags = {}
        materials = ()
        if customer:
            tags = {t["TagKey"]: t["TagValue"] for t in paginate(client, "list_resource_tags", "Tags", KeyId=item)}
        if customer and meta.get("Origin") == "EXTERNAL" and meta.get("KeySpec") == "SYMMETRIC_DEFAULT":
            rotations = paginate(
                client, "list_key_rotations", "Rotations", KeyId=item, IncludeKeyMaterial="ALL_KEY_MATERIAL"
            )
            materials = tuple(material_from(entry) for entry in rotations)
        yield KeyFact(
            reference,
            state=meta.get("KeyState"),
            origin=meta.get("Origin"),
            creation_date=meta.get("CreationDate"),
            deletion_date=meta.get("DeletionDate"),
            tags=tags,
            materials=materials,
            current_material_id=meta.get("CurrentKeyMaterialId"),
            **multi_region_role(meta),
        )


def multi_region_role(meta: dict[str, Any]) -> dict[str, Any]:
    """A key's multi-Region fields of :class:`KeyFact` from DescribeKey's ``KeyMetadata``."""
    configuration = meta.get("MultiRegionConfiguration") or {}
    return {
        "multi_region": bool(meta.get("MultiRegion", False)),
        "multi_region_type": configuration.get("MultiRegionKeyType"),
        "replica_regions": tuple(replica["Region"] for replica in configuration.get("ReplicaKeys", [])),
    }
