"""Every KMS key in the configured regions, with what a rotation decision needs to know.

This is the first step of taking over an estate: which keys are imported, which are due,
which hold materials that will expire.

An account-region may hold 100,000 keys (KMS's default resource quota), so the inventory streams: key IDs
arrive a ListKeys page at a time, at most ``workers * IN_FLIGHT`` keys are being described at once, and each
entry is yielded as soon as it is complete. What the caller keeps is up to the caller; ``progress`` is told
how many keys are done so that a long run shows it is moving.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from byok.kms.client import KmsClient
from byok.model import KeyMaterial, KmsKey
from byok.replica_check import ReplicaCheck, check_replicas
from byok.rotation.budget import remaining, rotations_used
from byok.rotation.replicas import ReplicaClient

IN_FLIGHT = 4
Progress = Callable[[str, int], None]  # (region, keys described so far in it)


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
        checks = [f"{c.region} {'; '.join(map(str, c.problems)) if c.problems else 'ok'}" for c in self.replicas]
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


def entries(
    clients: Iterable[KmsClient],
    workers: int = 8,
    progress: Progress | None = None,
    replica_client: ReplicaClient | None = None,
) -> Iterator[InventoryEntry]:
    """Describe every key of every region concurrently (KMS calls are I/O-bound), in listing order.

    With ``replica_client`` (region -> KMS client), each imported multi-Region primary is compared with its
    replicas, which may live in regions not listed.
    """
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="byok-inventory") as pool:
        for client in clients:
            aliases = client.all_aliases()
            running: deque[Future[InventoryEntry]] = deque()
            done = 0
            for key_id in client.key_ids():
                key_aliases = tuple(sorted(aliases.pop(key_id, [])))
                running.append(pool.submit(_describe, client, key_id, key_aliases, replica_client))
                if len(running) >= workers * IN_FLIGHT:
                    yield running.popleft().result()
                    done += 1
                    if progress is not None:
                        progress(client.region, done)
            while running:
                yield running.popleft().result()
                done += 1
            if progress is not None:
                progress(client.region, done)


def _describe(
    client: KmsClient, key_id: str, aliases: tuple[str, ...], replica_client: ReplicaClient | None
) -> InventoryEntry:
    key = client.describe(key_id)
    materials = client.list_materials(key_id) if key.origin == "EXTERNAL" else []
    replicas = check_replicas(key, materials, replica_client) if materials and replica_client else []
    return InventoryEntry(client.region, key, aliases, client.tags(key_id), tuple(materials), tuple(replicas))
