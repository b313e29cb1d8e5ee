"""Which resources in a Terraform state still name a KMS key: the gate before a key is retired.

Services store the resolved key ARN even when configured with an alias, so a match on the key ID
inside any attribute value finds them all. The key's own resources (the key, its aliases, its key
policy) are not references.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

OWN_RESOURCE_TYPES = frozenset({"aws_kms_external_key", "aws_kms_key", "aws_kms_alias", "aws_kms_key_policy"})


def state_references(state: dict[str, Any], key_id: str) -> list[str]:
    """Addresses of resources in ``terraform show -json`` output whose attributes contain ``key_id``."""
    root = state.get("values", {}).get("root_module", {})
    return sorted(
        resource["address"]
        for resource in _resources(root)
        if resource.get("type") not in OWN_RESOURCE_TYPES and _mentions(resource.get("values", {}), key_id)
    )


def _resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def _mentions(value: Any, key_id: str) -> bool:
    if isinstance(value, str):
        return key_id in value
    if isinstance(value, dict):
        return any(_mentions(item, key_id) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, key_id) for item in value)
    return False
