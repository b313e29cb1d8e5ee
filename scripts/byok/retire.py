"""Retire an alias-swap generation in stages, each refused with its reason until it is safe.

1. Delete the imported material (reversible: the HSM still holds it; ``byok material renew``
   re-imports it) - only when nothing references the key and it was not used within the grace period.
2. After the grace period, drop the generation from the tfvars: Terraform then schedules the key's
   deletion with the module's window (never under 30 days). GitOps keeps this step reviewable.
3. Once KMS no longer knows the key, destroy the HSM object - only with an explicit confirmation.

In-place generations are materials of a key that stays in use: deleting any of them makes KMS put the
whole key in PendingImport, so they are never retired one by one.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from byok.audit.verify import verify_file
from byok.errors import ByokError, KeyNotFound
from byok.estate import EnvironmentState, GenerationState, ManagedKey
from byok.kms.client import KmsClient
from byok.model import KeyState, KmsKey, Strategy

References = Callable[[KmsKey], list[str]]


class RetirementRefused(ByokError):
    exit_code = 6


class Phase(enum.StrEnum):
    DELETE_MATERIAL = "delete-material"
    DROP_FROM_TFVARS = "drop-from-tfvars"
    DESTROY_HSM_MATERIAL = "destroy-hsm-material"


@dataclass(frozen=True)
class Decision:
    phase: Phase
    key: ManagedKey
    generation: int
    kms_key: KmsKey | None
    reasons: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.reasons


class Retirement:
    def __init__(
        self,
        kms: KmsClient,
        references: References,
        journal: Path,
        now: datetime,
        grace: timedelta = timedelta(days=30),
    ) -> None:
        self.kms = kms
        self.references = references
        self.journal = journal
        self.now = now
        self.grace = grace

    def decide(self, state: EnvironmentState, key_name: str, number: int) -> Decision:
        managed = state.key(key_name)
        generation = next((g for g in managed.generations if g.number == number), None)
        newest = managed.latest.number if managed.latest else 0
        if generation is None and not 1 <= number < newest:
            listed = ", ".join(str(g.number) for g in managed.generations) or "none"
            raise RetirementRefused(
                f"{key_name} has no generation {number} (generations in the tfvars: {listed})",
                "name a retiring generation; one already dropped from the tfvars is older than the oldest listed",
            )
        if managed.strategy == Strategy.IN_PLACE:
            raise RetirementRefused(
                f"{key_name} rotates in place: generation {number} is a material of a key still in use",
                "deleting any material puts the whole key in PendingImport; in-place materials stay imported",
            )
        kms_key = self._describe(f"alias/{managed.alias}-g{number}")
        if generation is None:
            phase = Phase.DESTROY_HSM_MATERIAL
            reasons = (
                [] if kms_key is None else [f"KMS still holds the key ({kms_key.state.value}); wait until it is gone"]
            )
            return Decision(phase, managed, number, kms_key, reasons)
        if generation.state in (GenerationState.ACTIVE, GenerationState.PENDING):
            raise RetirementRefused(
                f"generation {number} of {key_name} is {generation.state.value}",
                "only a retiring generation (a newer one is active) can be retired",
            )
        if kms_key is None:
            raise RetirementRefused(f"alias/{managed.alias}-g{number} does not resolve to a KMS key")
        reasons = [f"still referenced by {ref}" for ref in self.references(kms_key)]
        if generation.state == GenerationState.RETIRING:
            reasons += self._recent_use(kms_key)
            return Decision(Phase.DELETE_MATERIAL, managed, number, kms_key, reasons)
        reasons += self._grace_since_deletion(kms_key)
        if kms_key.state != KeyState.PENDING_IMPORT:
            reasons.append(f"the key is {kms_key.state.value} again: its material was re-imported")
        return Decision(Phase.DROP_FROM_TFVARS, managed, number, kms_key, reasons)

    def kms_still_holds(self, hsm_label: str) -> str | None:
        """Why the HSM object may not be destroyed yet: the KMS key named in its label still exists."""
        key = self._describe(hsm_label.rsplit("/", 1)[-1])
        return f"KMS still holds {key.arn} ({key.state.value}); destroy the HSM copy once it is gone" if key else None

    def _describe(self, alias: str) -> KmsKey | None:
        try:
            return self.kms.describe(alias)
        except KeyNotFound:
            return None

    def _recent_use(self, key: KmsKey) -> list[str]:
        used = self.kms.last_usage(key.key_id)
        if used and self.now - used[1] < self.grace:
            operation, when = used
            return [
                f"used for {operation} at {when.isoformat(timespec='minutes')}, within the {self.grace.days}-day grace"
            ]
        return []

    def _grace_since_deletion(self, key: KmsKey) -> list[str]:
        deleted = self._material_deleted_at(key.arn)
        if deleted is None:
            return [f"the journal has no material-deleted record for {key.arn}"]
        if self.now - deleted < self.grace:
            ready = (deleted + self.grace).isoformat(timespec="minutes")
            return [f"material deleted {deleted.isoformat(timespec='minutes')}; the grace period ends {ready}"]
        return []

    def _material_deleted_at(self, key_arn: str) -> datetime | None:
        """When byok deleted this key's material, from a journal that verifies (a forged one proves nothing)."""
        if not self.journal.exists():
            return None
        verdict = verify_file(self.journal)
        if not verdict.ok:
            raise RetirementRefused(
                f"the audit journal does not verify: {verdict.problem.message}", "byok audit verify"
            )
        times = [
            datetime.fromisoformat(record["time"])
            for record in map(json.loads, self.journal.read_text(encoding="utf-8").splitlines())
            if record["event"] == "material-deleted" and record.get("key") == key_arn
        ]
        return max(times, default=None)


def retired(state: EnvironmentState, decision: Decision) -> EnvironmentState:
    """tfvars after the phase: material deleted -> retired; dropped -> the generation leaves the map."""
    key = decision.key
    if decision.phase == Phase.DELETE_MATERIAL:
        generations = tuple(
            replace(g, state=GenerationState.RETIRED) if g.number == decision.generation else g for g in key.generations
        )
    else:
        generations = tuple(g for g in key.generations if g.number != decision.generation)
    return state.with_key(replace(key, generations=generations))
