"""After the cut-over: does every alias lead to the active generation, and does old data still decrypt?

In place, the key's CURRENT material must be the active generation's; in an alias swap, ``alias/<name>``
must resolve to the active generation's key. Every canary recorded before a rotation must still
decrypt. Each problem is diagnosed (``Cause``) before anything is advised, because the remedies differ
and the wrong one hurts: an alias still on the previous generation only means the follow-up
``terraform apply`` has not run yet (rolling back there would undo a good rotation), an unreachable
endpoint or missing credentials mean nothing could be checked, and only a canary that no longer
decrypts makes a rollback (``rolled_back``, alias swap only) worth considering. An in-place rotation
cannot be undone in KMS (the old material stays NON_CURRENT and keeps decrypting): fix forward.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from byok.aws_failures import is_access_error
from byok.canary import verify_canary
from byok.errors import ByokError, KeyNotFound, KmsError
from byok.estate import EnvironmentState, GenerationState, ManagedKey
from byok.kms.client import KmsClient
from byok.model import Strategy
from byok.rotation.canaries import CanaryStore


class Cause(enum.StrEnum):
    """Why a key did not verify, in the order a user should deal with them."""

    AWAITING_IMPORT = "awaiting first import"
    APPLY_UNFINISHED = "rotate apply unfinished"
    ALIAS_NOT_MOVED = "alias not moved yet"
    ALIAS_WRONG = "alias wrong"
    CANARY_FAILS = "canary fails"


def remedy(cause: Cause, environment: str) -> str:
    return {
        Cause.AWAITING_IMPORT: f"run `byok rotate apply --env {environment}` to import the first material",
        Cause.APPLY_UNFINISHED: f"run `byok rotate apply --env {environment}` again: it resumes and rotates",
        Cause.ALIAS_NOT_MOVED: f"run the follow-up `byok terraform apply --env {environment}` (it moves the alias), "
        "then verify again",
        Cause.ALIAS_WRONG: f"`byok terraform apply --env {environment}` sets the aliases Terraform declares; "
        "if it plans no change, find who moved them",
        Cause.CANARY_FAILS: "alias swap: `--rollback` makes the previous generation active again (preview with "
        "--dry-run); in place: fix forward with a new generation",
    }[cause]


@dataclass(frozen=True)
class Problem:
    cause: Cause
    detail: str

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class KeyCheck:
    key: str
    strategy: Strategy
    generation: int
    problems: list[Problem] = field(default_factory=list)
    canaries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def can_roll_back(self) -> bool:
        """Only a real failure of the new generation's key is worth undoing, and only an alias swap can be."""
        return self.strategy == Strategy.ALIAS_SWAP and any(p.cause == Cause.CANARY_FAILS for p in self.problems)


def verify_environment(state: EnvironmentState, kms: KmsClient, canaries: CanaryStore) -> list[KeyCheck]:
    """Raises the access error itself (endpoint, credentials, permissions): a verdict would be a guess."""
    return [_check(state.environment, key, kms, canaries) for key in state.keys if key.active is not None]


def _check(environment: str, key: ManagedKey, kms: KmsClient, canaries: CanaryStore) -> KeyCheck:
    active = key.active
    problems = (
        _material_problems(key, kms)
        if active.material_id
        else [Problem(Cause.AWAITING_IMPORT, f"generation {active.number} has no imported material yet")]
    )
    checked = 0
    for generation in key.generations:
        for canary in canaries.load(environment, key.name, generation.number):
            try:
                verify_canary(kms, canary)
                checked += 1
            except ByokError as error:
                if is_access_error(error):
                    raise
                problems.append(
                    Problem(
                        Cause.CANARY_FAILS,
                        f"a canary from before generation {generation.number} no longer decrypts: {error.cause}",
                    )
                )
    return KeyCheck(key.name, key.strategy, active.number, problems, checked)


def _material_problems(key: ManagedKey, kms: KmsClient) -> list[Problem]:
    active = key.active
    try:
        primary = kms.describe(f"alias/{key.alias}")
        if key.strategy == Strategy.ALIAS_SWAP:
            expected = kms.describe(f"alias/{key.alias}-g{active.number}")
            if primary.key_id != expected.key_id:
                return [_alias_problem(key, primary.key_id, kms)]
        if primary.current_material_id != active.material_id:
            return [
                Problem(
                    Cause.APPLY_UNFINISHED,
                    f"alias/{key.alias} encrypts with material {primary.current_material_id}, "
                    f"not generation {active.number}'s {active.material_id}",
                )
            ]
    except KmsError as error:
        if is_access_error(error):
            raise
        return [Problem(Cause.ALIAS_WRONG, error.cause)]
    return []


def _alias_problem(key: ManagedKey, target: str, kms: KmsClient) -> Problem:
    """Is the alias on an older generation (the follow-up apply is pending) or on a key that is none of ours?"""
    for generation in key.generations:
        if generation.number == key.active.number:
            continue
        try:
            if kms.describe(f"alias/{key.alias}-g{generation.number}").key_id == target:
                return Problem(
                    Cause.ALIAS_NOT_MOVED,
                    f"alias/{key.alias} is still on generation {generation.number}'s key, "
                    f"not generation {key.active.number}'s",
                )
        except KeyNotFound:
            continue
    return Problem(
        Cause.ALIAS_WRONG,
        f"alias/{key.alias} is on {target}, which is not generation {key.active.number}'s key nor an older one",
    )


def advice(checks: list[KeyCheck], environment: str) -> str:
    """One remedy per cause found, in the order to deal with them."""
    causes = sorted({p.cause for c in checks for p in c.problems}, key=list(Cause).index)
    return "; ".join(f"{cause.value}: {remedy(cause, environment)}" for cause in causes)


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
