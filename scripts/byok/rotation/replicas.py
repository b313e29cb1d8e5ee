"""Multi-Region keys: the primary's material, generated once in the HSM, imported into every replica.

KMS never copies imported bytes between regions. A replica lists every material of its primary, but
holds the bytes only once imported there: ``EXISTING_KEY_MATERIAL`` with the primary's KeyMaterialId,
wrapped inside the HSM under the replica region's own wrapping key and import token. Until every
replica holds it, the primary's new material waits in PENDING_MULTI_REGION_IMPORT_AND_ROTATION, so
replicas are imported between the primary's import and its rotation. What each replica lacks is read
from KMS every time, so a run resumed after a crash imports only the replicas still missing it.

Expiry: KMS sets ExpirationModel and ValidTo per import and per key ("you set the expiration model and
expiration dates for each key independently", developer guide, importing into multi-Region keys; the
ImportKeyMaterial reference allows ValidTo with EXISTING_KEY_MATERIAL). A replica that imported without
expiry would outlive the primary's material, so each replica takes the primary material's own ValidTo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from byok.errors import ApprovalPending, KeyWrongState
from byok.hsm.backend import AlgorithmChoice, HsmBackend
from byok.importer import Done, Wrapping, import_wrapped
from byok.kms.client import KmsClient
from byok.model import HsmMaterial, ImportState, ImportType, KmsKey, WrappingKeySpec
from byok.pending_imports import PendingImports

ReplicaClient = Callable[[str], KmsClient]  # region -> KMS client of the same account there
Step = Callable[[str], None]


@dataclass(frozen=True)
class Replica:
    region: str
    kms: KmsClient
    key: KmsKey

    def lacks(self, material_id: str) -> bool:
        """True until the replica holds the material's bytes (listed PENDING_IMPORT, or not listed yet)."""
        for material in self.kms.list_materials(self.key.arn):
            if material.material_id == material_id:
                return material.import_state == ImportState.PENDING_IMPORT
        return True


def replicas_of(primary: KmsKey, regions: tuple[str, ...], client: ReplicaClient) -> list[Replica]:
    """The replica in each declared region; a missing one is an error, not a key silently left behind."""
    if regions and not primary.multi_region:
        raise KeyWrongState(
            f"{primary.arn} is declared with replica regions but is not a multi-Region key",
            "create it with multi_region = true (a key cannot become multi-Region later: rotate to a new key)",
        )
    return [Replica(region, client(region), client(region).describe(primary.key_id)) for region in regions]


class ReplicaImporter:
    def __init__(
        self,
        hsm: HsmBackend,
        algorithm: AlgorithmChoice,
        spec: WrappingKeySpec,
        pending: PendingImports | None = None,
    ) -> None:
        """``pending`` keeps a replica's parameters while its wrapping key waits for approval (key-ceremony mode)."""
        self.hsm = hsm
        self.algorithm = algorithm
        self.spec = spec
        self.pending = pending

    def import_into(
        self,
        replica: Replica,
        material: HsmMaterial,
        material_id: str,
        valid_to: datetime | None,
        step: Step,
        done: Done,
    ) -> None:
        """One replica: its own import parameters, the HSM object wrapped under them, EXISTING_KEY_MATERIAL.

        ``valid_to`` is the primary material's ValidTo (None: it does not expire), so both expire together.
        """
        imported = import_wrapped(
            self.hsm,
            replica.kms,
            replica.key.arn,
            material,
            Wrapping(self.algorithm.algorithm, self.spec),
            import_type=ImportType.EXISTING_KEY_MATERIAL,
            valid_to=valid_to,
            progress=step,
            done=done,
            material_id=material_id,
            region=replica.region,
            pending=self.pending,
        )
        if imported != material_id:
            raise KeyWrongState(
                f"{replica.key.arn} took the material as {imported}, not the primary's {material_id}",
                "the replica holds other bytes than the primary: compare both with `byok material list`",
            )


def raise_if_waiting(waiting: Iterable[ApprovalPending]) -> None:
    """Key-ceremony mode: one error naming every replica whose wrapping key waits, so all are approved at once."""
    stopped = list(waiting)
    if stopped:
        raise ApprovalPending("; ".join(s.cause for s in stopped), "; ".join(s.remedy for s in stopped))
