"""Every KMS key in the configured regions, with what a rotation decision needs to know.

This is the first step of taking over an estate: which keys are imported, which are due,
which hold materials that will expire.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from byok.kms.client import KmsClient
from byok.model import KeyMaterial, KmsKey
from byok.rotation.budget import remaining, rotations_used
from byok.rotation.replicas import ReplicaCheck, ReplicaClient, check_replicas


@dataclass(frozen=True)
class InventoryEntry:
    region: str
    key: KmsKey
    aliases: tuple[str, ...]
    tags: dict[str, str]
    materials: tuple[KeyMaterial, ...]
    replicas: tuple[ReplicaCheck, ...] = ()  # a multi-Region primary's replicas, compared with it

    @property
    def multi_region(self) -> str | None:
        """Where a multi-Region key stands: its replicas (flagged if they differ) or its primary's region."""
        if not self.key.multi_region:
            return None
        if self.key.primary_region and self.key.primary_region != self.region:
            return f"replica of {self.key.primary_region}"
        checks = [f"{c.region} {'; '.join(c.problems) if c.problems else 'ok'}" for c in self.replicas]
        return "primary: " + (", ".join(checks) or "no replicas")

    @property
    def age_days(self) -> int | None:
        created = self.key.creation_date
        return (datetime.now(UTC) - created).days if created else None

    @property
    def rotations_left(self) -> int | None:
        """On-demand rotations the key has left of KMS's 25 (imported keys only)."""
        return remaining(rotations_used(self.materials)) if self.key.origin == "EXTERNAL" else None

    @property
    def earliest_expiry(self) -> datetime | None:
        expiries = [m.valid_to for m in self.materials if m.valid_to]
        return min(expiries) if expiries else None


def collect(
    clients: list[KmsClient], workers: int = 8, replica_client: ReplicaClient | None = None
) -> list[InventoryEntry]:
    """Describe every key of every region concurrently; KMS calls are I/O-bound.

    With ``replica_client`` (region -> KMS client), each imported multi-Region primary is compared with its
    replicas, which may live in regions not listed.
    """
    jobs = []
    for client in clients:
        aliases = client.all_aliases()
        jobs.extend((client, key_id, tuple(sorted(aliases.get(key_id, [])))) for key_id in client.list_key_ids())

    def describe(job) -> InventoryEntry:
        client, key_id, aliases = job
        key = client.describe(key_id)
        materials = client.list_materials(key_id) if key.origin == "EXTERNAL" else []
        replicas = check_replicas(key, materials, replica_client) if materials and replica_client else []
        return InventoryEntry(client.region, key, aliases, client.tags(key_id), tuple(materials), tuple(replicas))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        entries = list(pool.map(describe, jobs))
    return sorted(entries, key=lambda e: (e.region, e.aliases[:1], e.key.key_id))
