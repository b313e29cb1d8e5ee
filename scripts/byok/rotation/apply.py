"""Carry out the rotations a merged PR declared: every key with a pending generation.

In place: import NEW material into the same key, rotate on demand, verify canaries.
Alias swap: import the first material into the new generation's key and verify; the alias moves
when Terraform applies the follow-up tfvars this step writes.
Each step reads the real HSM and KMS state first (see ``byok.importer``), so re-running after a
crash finishes the job without importing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from byok.canary import Canary, CanaryFailed, make_canary, verify_canary
from byok.errors import ApprovalPending, KeyWrongState
from byok.estate import EnvironmentState, Generation, GenerationState, ManagedKey
from byok.failpoints import hit
from byok.importer import Done, ImportOutcome, ImportPlan, MaterialImporter, label_of, stored_material
from byok.kms.client import KmsClient
from byok.model import KeyMaterialState, KeyState, KmsKey, Strategy
from byok.rotation.canaries import CanaryStore
from byok.rotation.journaling import RunJournal
from byok.rotation.replica_backfill import Backfill, ReplicaBackfiller, plan_backfill, require_in_hsm
from byok.rotation.replicas import (
    Replica,
    ReplicaClient,
    ReplicaImporter,
    raise_if_waiting,
    replicas_of,
)

Progress = Callable[[str, str], None]  # (key name, step)


@dataclass(frozen=True)
class KeyRotation:
    key: str
    strategy: Strategy
    generation: int
    target: str  # the alias the material goes into
    label_prefix: str  # HSM object label without the KMS key ID
    initial: bool = False  # the first material of an active generation Terraform just created

    def label(self, key_id: str) -> str:
        """One HSM object per generation and KMS key: a re-created key never silently reuses old material."""
        return f"{self.label_prefix}/{key_id}"


@dataclass(frozen=True)
class RotationResult:
    rotation: KeyRotation
    outcome: ImportOutcome
    canaries_checked: int


def import_target(key: ManagedKey, generation: Generation) -> str:
    """In place the material goes into the key itself; in an alias swap, into the generation's own key."""
    if key.strategy_of(generation) == Strategy.IN_PLACE:
        return f"alias/{key.alias}"
    return f"alias/{key.alias}-g{generation.number}"


def pending_rotations(state: EnvironmentState) -> list[KeyRotation]:
    """Pending generations, and active ones without material yet (a key Terraform has just created)."""
    rotations = []
    for key in state.keys:
        initial = key.active if key.active is not None and not key.active.material_id else None
        for generation in filter(None, (initial, key.pending)):
            rotations.append(
                KeyRotation(
                    key=key.name,
                    strategy=key.strategy_of(generation),
                    generation=generation.number,
                    target=import_target(key, generation),
                    label_prefix=f"byok/{state.environment}/{key.name}/g{generation.number}",
                    initial=generation is initial,
                )
            )
    return rotations


class RotationRunner:
    def __init__(
        self,
        importer: MaterialImporter,
        kms: KmsClient,
        canaries: CanaryStore,
        journal: RunJournal | None = None,
        replica_client: ReplicaClient | None = None,
    ) -> None:
        """``replica_client`` (region -> KMS client of the same account) serves multi-Region keys."""
        self.importer = importer
        self.kms = kms
        self.canaries = canaries
        self.journal = journal
        self.replica_client = replica_client
        self.replica_importer = ReplicaImporter(
            importer.hsm, importer.algorithm, importer.wrapping_key_spec, importer.pending
        )
        self.backfiller = ReplicaBackfiller(importer.hsm, self.replica_importer)

    def rotate(
        self,
        state: EnvironmentState,
        rotation: KeyRotation,
        progress: Progress = lambda key, step: None,
    ) -> tuple[EnvironmentState, RotationResult]:
        key = state.key(rotation.key)

        def step(name: str) -> None:
            hit(f"{key.name}:{name}")
            progress(key.name, name)

        target = self.kms.describe(rotation.target)
        done = self._done(target.arn, rotation.generation)
        replicas = self._replicas(target, key.replica_regions)
        before = self._canaries_before(state.environment, key, rotation, step, done)
        plan = self._plan(rotation, target)
        if replicas:
            outcome = self._import_multi_region(plan, replicas, rotation.generation, step, done)
        else:
            outcome = self.importer.execute(plan, valid_to=None, progress=step, done=done)
        step("verify")
        try:
            checked = self._verify(rotation, outcome, before, replicas)
        except CanaryFailed as failed:
            done("verify", {"material_id": outcome.material_id, "result": "failed", "detail": failed.cause[:200]})
            raise
        done("verify", {"material_id": outcome.material_id, "detail": f"{checked} canaries decrypt"})
        return state.with_key(_promote(key, rotation.generation, outcome)), RotationResult(rotation, outcome, checked)

    def _done(self, key_arn: str, generation: int) -> Done:
        return self.journal.steps(key_arn, generation) if self.journal else _not_journaled

    def _replicas(self, primary: KmsKey, regions: tuple[str, ...]) -> list[Replica]:
        if not regions:
            return []
        if self.replica_client is None:
            raise KeyWrongState(f"{primary.arn} has replicas but this run reaches one region only")
        return replicas_of(primary, regions, self.replica_client)

    def _import_multi_region(
        self, plan: ImportPlan, replicas: list[Replica], generation: int, step: Callable[[str], None], done: Done
    ) -> ImportOutcome:
        """Primary first (NEW), then every replica still lacking it (EXISTING), then the primary rotates.

        A replica added after earlier rotations first takes the primary's earlier materials (backfill).
        In key-ceremony mode each replica's wrapping key needs its own approval: every replica is asked for its
        parameters (backfill or new material) before the run stops, so the security officer approves all of
        them in one sitting; a replica whose backfill waits takes the new material on the re-run.
        """
        backfill = self._backfill_plan(plan, replicas)
        require_in_hsm(backfill)  # before the primary takes anything
        valid_to = None  # rotation imports material that does not expire; each replica's copy is imported alike
        outcome = self.importer.execute(replace(plan, rotate=False), valid_to=valid_to, progress=step, done=done)
        waiting = self.backfiller.run_collecting(
            backfill, step, lambda replica: self._done(replica.key.arn, generation)
        )
        material = stored_material(self.importer.hsm, plan.key.arn, outcome.label)
        for replica in replicas:
            if replica.region not in waiting and replica.lacks(outcome.material_id):
                replica_done = self._done(replica.key.arn, generation)
                try:
                    self.replica_importer.import_into(
                        replica, material, outcome.material_id, valid_to, step, replica_done
                    )
                except ApprovalPending as stopped:
                    waiting[replica.region] = stopped
        raise_if_waiting(waiting.values())
        if not plan.rotate:
            return outcome
        step("rotate")
        self.kms.rotate_on_demand(plan.key.arn)
        done("rotate", {"material_id": outcome.material_id, "check_value": material.check_value})
        return replace(outcome, material_state=KeyMaterialState.CURRENT)

    def _backfill_plan(self, plan: ImportPlan, replicas: list[Replica]) -> list[Backfill]:
        """The primary's earlier materials (not this generation's) that each replica lacks."""
        listed = self.kms.list_materials(plan.key.arn) if plan.key.current_material_id else []  # none before the first
        earlier = [m for m in listed if label_of(m) != plan.label]
        return plan_backfill(self.importer.hsm, plan.key, earlier, replicas)

    def planned_steps(self, rotation: KeyRotation, replica_regions: tuple[str, ...]) -> list[str]:
        """Every KMS step a real run would make for this rotation, read from HSM and KMS; changes nothing.

        A multi-Region key adds, between the primary's import and its rotation, each earlier material a replica
        lacks (``backfill <material id>@<region>``) and each replica's import of the new material
        (``import@<region>``), as ``_import_multi_region`` does them.
        """
        target = self.kms.describe(rotation.target)
        plan = self._plan(rotation, target)
        replicas = self._replicas(target, replica_regions)
        if not replicas:
            return plan.steps
        steps = [name for name in plan.steps if name != "rotate"]
        for item in self._backfill_plan(plan, replicas):
            missing = "" if item.hsm_object is not None else " (HSM object missing: the run refuses)"
            steps.append(f"backfill {item.material.material_id}@{item.replica.region}{missing}")
        new_material = plan.existing_material_id
        steps += [
            f"import@{replica.region}" for replica in replicas if new_material is None or replica.lacks(new_material)
        ]
        return steps + (["rotate"] if plan.rotate else [])

    def _plan(self, rotation: KeyRotation, target: KmsKey) -> ImportPlan:
        return self.importer.plan(
            target.arn, label=rotation.label(target.key_id), rotate=rotation.strategy == Strategy.IN_PLACE
        )

    def _canaries_before(
        self, environment: str, key: ManagedKey, rotation: KeyRotation, step: Callable[[str], None], done: Done
    ) -> list:
        """Encrypt canaries under the current generation once; a resumed run reuses them."""
        stored = self.canaries.load(environment, key.name, rotation.generation)
        if stored or key.active is None or rotation.initial:
            return stored  # nothing was encrypted under a key that never had material
        current = f"alias/{key.alias}"
        if self.kms.describe(current).state != KeyState.ENABLED:
            raise KeyWrongState(
                f"{current} is not Enabled, so no canary can prove old ciphertexts survive",
                "restore the key (re-import its material) before rotating",
            )
        step("canary")
        canary = make_canary(self.kms, current, f"{environment}/{key.name}/before-g{rotation.generation}")
        self.canaries.save(environment, key.name, rotation.generation, [canary])
        done("canary", {"material_id": canary.material_id, "detail": f"canary under {current}"})
        return [canary]

    def _verify(self, rotation: KeyRotation, outcome: ImportOutcome, before: list, replicas: list[Replica]) -> int:
        for canary in before:
            used = verify_canary(self.kms, canary)
            if canary.material_id and used != canary.material_id:
                raise CanaryFailed(
                    f"a canary made under material {canary.material_id} decrypted with {used}",
                    "stop: do not retire anything; compare ListKeyRotations with the journal",
                )
        fresh = make_canary(self.kms, rotation.target, f"{rotation.key}/after-g{rotation.generation}")
        if fresh.material_id != outcome.material_id or fresh.key_arn != outcome.key_arn:
            raise CanaryFailed(
                f"new encryptions under {rotation.target} use material {fresh.material_id}, "
                f"not the imported {outcome.material_id}",
                "the rotation did not take effect: check the key's materials before retrying",
            )
        verify_canary(self.kms, fresh)
        for replica in replicas:
            _verify_replica(replica, fresh, outcome.material_id)
        return len(before) + 1 + len(replicas)


def _verify_replica(replica: Replica, fresh: Canary, material_id: str) -> None:
    """The primary's fresh ciphertext decrypts in the replica's region with the same material: same bytes."""
    used = verify_canary(replica.kms, replace(fresh, key_arn=replica.key.arn))
    current = replica.kms.describe(replica.key.arn).current_material_id
    if used != material_id or current != material_id:
        raise CanaryFailed(
            f"the replica in {replica.region} decrypts with material {used} and encrypts with {current}, "
            f"not the primary's {material_id}",
            "compare the replica's materials with the primary's (`byok material list`) before retrying",
        )


def _not_journaled(step: str, facts: dict[str, object]) -> None:
    """Library callers (tests, benchmarks) may run without a journal; the CLI always has one."""


def _promote(key: ManagedKey, number: int, outcome: ImportOutcome) -> ManagedKey:
    """The pending generation becomes active with its recorded material; the old active one retires."""
    generations = []
    for generation in key.generations:
        if generation.number == number:
            generation = replace(
                generation,
                state=GenerationState.ACTIVE,
                material_id=outcome.material_id,
                check_value=outcome.check_value,
            )
        elif generation.state == GenerationState.ACTIVE:
            generation = replace(generation, state=GenerationState.RETIRING)
        generations.append(generation)
    return replace(key, generations=tuple(generations))
