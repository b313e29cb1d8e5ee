"""The rotation budget: KMS allows at most 25 on-demand rotations in a key's life, and never resets it.

The count comes from KMS itself (ListKeyRotations: every material that became current by a rotation
carries a RotationDate), not from the tfvars, so rotations made outside byok count too. A key whose
budget is spent cannot rotate in place again: the planner proposes its next generation as an alias
swap to a new key (with a budget of its own), and the importer refuses to start a rotation that KMS
would refuse at its end, so byok never reaches KMS's LimitExceededException.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from byok.errors import KeyWrongState
from byok.estate import EnvironmentState, ManagedKey
from byok.kms.client import KmsClient
from byok.model import KeyMaterial, Strategy

MAX_ON_DEMAND_ROTATIONS = 25  # AWS KMS resource quota; not adjustable


def rotations_used(materials: Iterable[KeyMaterial]) -> int:
    """On-demand rotations already made: imported keys never rotate automatically, so every one counts."""
    return sum(1 for material in materials if material.rotation_date is not None)


def remaining(used: int) -> int:
    return max(0, MAX_ON_DEMAND_ROTATIONS - used)


class BudgetSpent(KeyWrongState):
    """Raised before any HSM or KMS change when a rotation in place would be the 26th."""


def require_budget(key_arn: str, used: int) -> None:
    if used >= MAX_ON_DEMAND_ROTATIONS:
        raise BudgetSpent(
            f"{key_arn} has used all {MAX_ON_DEMAND_ROTATIONS} on-demand rotations KMS allows in a key's life",
            "run `byok rotate propose` again: it proposes this key's next generation as an alias swap to a new key",
        )


def count_used(state: EnvironmentState, kms_for: Callable[[ManagedKey], KmsClient]) -> dict[str, int]:
    """Rotations used per in-place key that holds material (one ListKeyRotations each, 100 per second)."""
    return {
        key.name: rotations_used(kms_for(key).list_materials(f"alias/{key.alias}"))
        for key in state.keys
        if key.strategy == Strategy.IN_PLACE and key.active is not None and key.active.material_id
    }


def budget_column(used: Mapping[str, int], name: str) -> str | None:
    """What status, inventory and the PR show: rotations left of 25, or nothing for keys that never rotate."""
    return f"{remaining(used[name])}/{MAX_ON_DEMAND_ROTATIONS}" if name in used else None
