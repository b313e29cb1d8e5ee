"""A replica that appears after its primary already has materials takes each of them from the HSM.

A DR Region added to ``replica_regions`` later, or a replica re-created, starts PendingImport and lists its
primary's materials without their bytes: KMS never copies imported bytes between Regions, and the replica
stays PendingImport until it holds every material the primary lists, not only the current one (ciphertexts
of every era must decrypt there). Each one goes in as ``EXISTING_KEY_MATERIAL`` with the primary's
KeyMaterialId (ImportKeyMaterial API reference), wrapped in the HSM under the replica Region's own wrapping
key and import token, from the HSM object that the material's description names (the label binds it to the
key ID, which a replica shares with its primary). KMS refuses bytes that do not match the KeyMaterialId.

In key-ceremony mode every replica's wrapping key needs its own approval: each replica that lacks a material
is asked for its parameters before the run stops, naming all of them, so the security officer approves every
replica in one sitting (a replica waiting takes nothing more this run). Each import carries the primary
material's ValidTo (see ``byok.rotation.replicas``).

Everything is decided from what KMS and the HSM hold now, so a run killed between any two steps is finished
by running it again; an HSM object that no longer exists is refused before the first KMS call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from byok.binding import require_label_bound
from byok.errors import ApprovalPending, KeyWrongState, MaterialNotFound
from byok.hsm.backend import HsmBackend
from byok.importer import Done, label_of
from byok.kms.client import KmsClient
from byok.model import HsmMaterial, ImportState, KeyMaterial, KmsKey
from byok.rotation.replicas import Replica, ReplicaClient, ReplicaImporter, Step, raise_if_waiting, replicas_of

DoneFor = Callable[[Replica], Done]  # the journal callback of one replica's key


@dataclass(frozen=True)
class Backfill:
    """One material of the primary that one replica lacks, and the HSM object holding it (None: gone)."""

    replica: Replica
    material: KeyMaterial
    label: str
    hsm_object: HsmMaterial | None


def lacking(primary_materials: list[KeyMaterial], replica: Replica) -> list[KeyMaterial]:
    """The primary's materials, oldest first, that the replica lists without bytes or not at all."""
    held = {
        m.material_id
        for m in replica.kms.list_materials(replica.key.arn)
        if m.import_state != ImportState.PENDING_IMPORT
    }
    return [m for m in primary_materials if m.material_id not in held]


def plan_backfill(
    hsm: HsmBackend, primary: KmsKey, primary_materials: list[KeyMaterial], replicas: list[Replica]
) -> list[Backfill]:
    """Every (replica, material) to import; a material byok did not import, or bound to another key, is refused."""
    plan = []
    for replica in replicas:
        for material in lacking(primary_materials, replica):
            label = label_of(material)
            if label is None:
                raise KeyWrongState(
                    f"material {material.material_id} of {primary.arn} was not imported by byok: "
                    f"its HSM object is unknown, so the replica in {replica.region} cannot take it",
                    "import it into that replica with the tool that created it (EXISTING_KEY_MATERIAL)",
                )
            require_label_bound(label, replica.key)
            plan.append(Backfill(replica, material, label, hsm.find_material(label)))
    return plan


def require_in_hsm(plan: list[Backfill]) -> None:
    """Refuse before any import when a material's HSM object is gone: the replica could never be whole."""
    gone = [item for item in plan if item.hsm_object is None]
    if not gone:
        return
    first = gone[0]
    more = f" (and {len(gone) - 1} more)" if len(gone) > 1 else ""
    raise MaterialNotFound(
        f"the HSM holds no object {first.label} for material {first.material.material_id[:12]}... that the "
        f"replica in {first.replica.region} lacks{more}; nothing was imported",
        "check BYOK_TOKEN_LABEL and restore the object from the HSM's backup, then re-run; if it was destroyed, "
        "the replica can never decrypt that material's ciphertexts: remove the Region from replica_regions, or "
        "move the alias to a new multi-Region key (alias-swap) and re-encrypt",
    )


class ReplicaBackfiller:
    """Plans and carries out the imports a key's replicas lack; every import is journaled under the replica."""

    def __init__(self, hsm: HsmBackend, importer: ReplicaImporter) -> None:
        self.hsm = hsm
        self.importer = importer

    def plan(self, kms: KmsClient, key_ref: str, client: ReplicaClient) -> tuple[KmsKey, list[Backfill]]:
        primary = kms.describe(key_ref)
        if primary.primary_region not in (None, client_region(primary)):
            raise KeyWrongState(
                f"{primary.arn} is a replica: its primary is in {primary.primary_region}",
                f"give the primary key (--region {primary.primary_region}); it names every replica",
            )
        replicas = replicas_of(primary, primary.replica_regions, client)
        return primary, plan_backfill(self.hsm, primary, kms.list_materials(primary.arn), replicas)

    def run(self, plan: list[Backfill], step: Step, done_for: DoneFor) -> None:
        """Every import of the plan; in key-ceremony mode, one error naming every replica waiting for approval."""
        raise_if_waiting(self.run_collecting(plan, step, done_for).values())

    def run_collecting(self, plan: list[Backfill], step: Step, done_for: DoneFor) -> dict[str, ApprovalPending]:
        """Every import it can make now; returns the replicas (by Region) that stopped for approval."""
        require_in_hsm(plan)
        waiting: dict[str, ApprovalPending] = {}
        for item in plan:
            assert item.hsm_object is not None  # require_in_hsm refused the plan otherwise
            if item.replica.region in waiting:
                continue  # its earlier material waits for approval: the rest follows on the re-run
            try:
                self.importer.import_into(
                    item.replica,
                    item.hsm_object,
                    item.material.material_id,
                    item.material.valid_to,
                    step,
                    done_for(item.replica),
                )
            except ApprovalPending as stopped:
                waiting[item.replica.region] = stopped
        return waiting


def client_region(key: KmsKey) -> str:
    """The Region in a key's ARN (arn:aws:kms:<region>:...)."""
    return key.arn.split(":")[3] if key.arn.count(":") >= 5 else ""
