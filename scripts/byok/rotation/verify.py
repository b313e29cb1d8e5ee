"""After the cut-over: does every alias lead to the active generation, and does old data still decrypt?

In place, the key's CURRENT material must be the active generation's; in an alias swap, ``alias/<name>``
must resolve to the active generation's key. Every canary recorded before a rotation must still
decrypt. If an alias swap fails this, the previous generation can be made active again
(``rolled_back``): Terraform then moves the alias back. An in-place rotation cannot be undone in KMS
(the old material stays NON_CURRENT and keeps decrypting), so it is reported loudly instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from byok.canary import verify_canary
from byok.errors import ByokError, KmsError
from byok.estate import EnvironmentState, GenerationState, ManagedKey
from byok.kms.client import KmsClient
from byok.model import Strategy
from byok.rotation.canaries import CanaryStore


@dataclass(frozen=True)
class KeyCheck:
    key: str
    strategy: Strategy
    generation: int
    problems: list[str] = field(default_factory=list)
    canaries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_environment(state: EnvironmentState, kms: KmsClient, canaries: CanaryStore) -> list[KeyCheck]:
    return [_check(state.environment, key, kms, canaries) for key in state.keys if key.active is not None]


def _check(environment: str, key: ManagedKey, kms: KmsClient, canaries: CanaryStore) -> KeyCheck:
    active = key.active
    problems: list[str] = []
    try:
        primary = kms.describe(f"alias/{key.alias}")
        if key.strategy == Strategy.ALIAS_SWAP:
            expected = kms.describe(f"alias/{key.alias}-g{active.number}")
            if primary.key_id != expected.key_id:
                problems.append(f"alias/{key.alias} is on {primary.key_id}, not generation {active.number}'s key")
        if active.material_id and primary.current_material_id != active.material_id:
            problems.append(f"alias/{key.alias} encrypts with material {primary.current_material_id}")
    except KmsError as error:
        problems.append(str(error))
    checked = 0
    for generation in key.generations:
        for canary in canaries.load(environment, key.name, generation.number):
            try:
                verify_canary(kms, canary)
                checked += 1
            except ByokError as error:
                problems.append(f"a canary from before generation {generation.number} no longer decrypts: {error}")
    return KeyCheck(key.name, key.strategy, active.number, problems, checked)


def rolled_back(state: EnvironmentState, key_name: str) -> EnvironmentState:
    """The newest retiring generation becomes active again and the failed one retires."""
    key = state.key(key_name)
    if key.strategy != Strategy.ALIAS_SWAP:
        raise ByokError(
            f"{key_name} rotates in place: KMS cannot make an older material current again",
            "old data still decrypts with the NON_CURRENT material; fix forward with a new generation",
        )
    failed = key.active
    previous = max(
        (g for g in key.generations if g.state == GenerationState.RETIRING), key=lambda g: g.number, default=None
    )
    if failed is None or previous is None:
        raise ByokError(f"{key_name} has no retiring generation to return to")
    generations = tuple(
        replace(g, state=GenerationState.ACTIVE)
        if g.number == previous.number
        else replace(g, state=GenerationState.RETIRING)
        if g.number == failed.number
        else g
        for g in key.generations
    )
    return state.with_key(replace(key, generations=generations))
