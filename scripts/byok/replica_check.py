"""A multi-Region primary's replicas compared with it: what ``material list``, ``inventory`` and drift flag.

Kept apart from the rotation code (``byok.rotation.replicas``, which imports into replicas through the HSM) so
that the drift monitor's Lambda, which has no HSM library, can run the same comparison on the keys it scanned.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from byok.model import ImportState, KeyMaterial, KeyState, KmsKey

ReaderOf = Callable[[str], "KeyReader"]  # region -> what reads the keys there


class KeyReader(Protocol):
    """What comparing replicas reads: a KMS client, or the keys a drift scan has already read."""

    def describe(self, key: str) -> KmsKey: ...

    def list_materials(self, key: str) -> list[KeyMaterial]: ...


class Discrepancy(enum.StrEnum):
    """How a replica can fail its primary: drift reports the first two and the last two under different rules."""

    PENDING_IMPORT = "pending-import"  # the replica key itself cannot encrypt or decrypt
    NOT_IMPORTED = "not-imported"  # it lists a material of the primary without its bytes
    DIFFERENT_MATERIALS = "different-materials"  # its list of materials is not the primary's
    DIFFERENT_CURRENT = "different-current"  # it encrypts with another material than the primary

    @property
    def lacks_material(self) -> bool:
        return self in (Discrepancy.PENDING_IMPORT, Discrepancy.NOT_IMPORTED)


@dataclass(frozen=True)
class ReplicaProblem:
    kind: Discrepancy
    detail: str

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class ReplicaCheck:
    """One replica compared with its primary: what ``material list``, ``inventory`` and drift show and flag."""

    region: str
    key: KmsKey
    materials: tuple[KeyMaterial, ...]
    problems: tuple[ReplicaProblem, ...]


def check_replicas(primary: KmsKey, materials: list[KeyMaterial], client: ReaderOf) -> list[ReplicaCheck]:
    """Each replica of a multi-Region primary: PendingImport, materials not imported, or others than the primary's."""
    expected = {m.material_id for m in materials}
    checks = []
    for region in primary.replica_regions:
        kms = client(region)
        replica = kms.describe(primary.key_id)
        listed = tuple(kms.list_materials(replica.arn))
        problems = []
        if replica.state == KeyState.PENDING_IMPORT:
            unusable = "PendingImport: it cannot encrypt or decrypt until its materials are imported"
            problems.append(ReplicaProblem(Discrepancy.PENDING_IMPORT, unusable))
        missing_bytes = [m.material_id[:12] for m in listed if m.import_state == ImportState.PENDING_IMPORT]
        if missing_bytes:
            problems.append(
                ReplicaProblem(
                    Discrepancy.NOT_IMPORTED, f"material {', '.join(missing_bytes)}... not imported in this region"
                )
            )
        found = {m.material_id for m in listed}
        if found != expected:
            counts = f"{len(found - expected)} extra, {len(expected - found)} missing"
            problems.append(
                ReplicaProblem(Discrepancy.DIFFERENT_MATERIALS, f"materials differ from the primary's ({counts})")
            )
        if replica.current_material_id != primary.current_material_id:
            problems.append(
                ReplicaProblem(
                    Discrepancy.DIFFERENT_CURRENT,
                    f"encrypts with {replica.current_material_id}, the primary with {primary.current_material_id}",
                )
            )
        checks.append(ReplicaCheck(region, replica, listed, tuple(problems)))
    return checks
