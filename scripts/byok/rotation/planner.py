"""Decide which keys are due and what the next generation is, without touching HSM or KMS.

Rotation runs in environment order (dev -> int -> prod): an environment is not proposed while
the one before it still has a rotation in flight, so a bad rotation is caught where it hurts least.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from byok.estate import EnvironmentState, Generation, GenerationState, ManagedKey
from byok.model import Strategy
from byok.rotation.budget import MAX_ON_DEMAND_ROTATIONS, remaining


@dataclass(frozen=True)
class DueKey:
    key: ManagedKey
    reason: str
    next_generation: int
    strategy: Strategy  # of the next generation: alias swap when the key's rotation budget is spent
    budget_left: int | None = None  # on-demand rotations the key has left after this one; None: not counted


@dataclass(frozen=True)
class Proposal:
    environment: str
    before: EnvironmentState
    after: EnvironmentState
    due: tuple[DueKey, ...]
    in_flight: tuple[str, ...]  # keys that already have a pending generation
    warnings: tuple[str, ...] = ()  # keys about to run short of on-demand rotations
    budget_checked: bool = True  # False when no rotation counts were read from KMS

    @property
    def changes(self) -> bool:
        return bool(self.due)


class EnvironmentBlocked(Exception):
    """The previous environment has an unfinished rotation."""


def next_due(key: ManagedKey) -> date | None:
    active = key.active
    return active.created + timedelta(days=key.max_age_days) if active else None


def due_reason(key: ManagedKey, today: date, lead_days: int) -> str | None:
    if key.pending:
        return None
    due = next_due(key)
    if due is None:
        return "no active generation: first material"
    if due <= today:
        return f"overdue since {due.isoformat()} (max age {key.max_age_days} days)"
    if due <= today + timedelta(days=lead_days):
        return f"due {due.isoformat()}, within the {lead_days}-day horizon"
    return None


def unfinished(state: EnvironmentState) -> list[str]:
    return [key.name for key in state.keys if key.pending]


def propose(
    state: EnvironmentState,
    today: date,
    lead_days: int,
    previous: EnvironmentState | None = None,
    force_keys: tuple[str, ...] = (),
    rotations_used: Mapping[str, int] | None = None,
    budget_warning: int = 0,
) -> Proposal:
    """``rotations_used``: on-demand rotations KMS counted per in-place key (see ``byok.rotation.budget``)."""
    if previous is not None and unfinished(previous):
        raise EnvironmentBlocked(
            f"{previous.environment} still has rotations in flight ({', '.join(unfinished(previous))}); "
            f"finish them (`byok rotate apply --env {previous.environment}`) before proposing {state.environment}"
        )
    for name in force_keys:
        state.key(name)  # unknown names fail before anything is decided
    due: list[DueKey] = []
    warnings: list[str] = []
    after = state
    for key in state.keys:
        reason = "requested" if key.name in force_keys and not key.pending else due_reason(key, today, lead_days)
        if reason is None:
            continue
        number = (key.latest.number if key.latest else 0) + 1
        planned = _budgeted(key, reason, number, (rotations_used or {}).get(key.name))
        if planned.budget_left is not None and planned.budget_left < budget_warning:
            warnings.append(
                f"{key.name} has {planned.budget_left} of {MAX_ON_DEMAND_ROTATIONS} on-demand rotations left "
                "after this one; when none are left byok proposes an alias swap to a new key"
            )
        strategy = planned.strategy if planned.strategy != key.strategy else None
        after = after.with_key(
            key.with_generation(Generation(number, GenerationState.PENDING, today, strategy=strategy))
        )
        due.append(planned)
    return Proposal(
        environment=state.environment,
        before=state,
        after=after,
        due=tuple(due),
        in_flight=tuple(unfinished(state)),
        warnings=tuple(warnings),
        budget_checked=rotations_used is not None,
    )


def _budgeted(key: ManagedKey, reason: str, number: int, used: int | None) -> DueKey:
    """In place, a rotation spends one of the key's 25; a key with none left moves to a new key instead."""
    rotates = key.active is not None and bool(key.active.material_id)  # a first material is no rotation
    if key.strategy != Strategy.IN_PLACE or used is None or not rotates:
        return DueKey(key, reason, number, key.strategy)
    if remaining(used) == 0:
        return DueKey(
            key,
            f"{reason}; rotation budget spent ({used} of {MAX_ON_DEMAND_ROTATIONS}): alias swap to a new key",
            number,
            Strategy.ALIAS_SWAP,
            budget_left=MAX_ON_DEMAND_ROTATIONS,
        )
    return DueKey(key, reason, number, Strategy.IN_PLACE, budget_left=remaining(used) - 1)
