"""Decide which keys are due and what the next generation is, without touching HSM or KMS.

Rotation runs in environment order (dev -> int -> prod): an environment is not proposed while
the one before it still has a rotation in flight, so a bad rotation is caught where it hurts least.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from byok.estate import EnvironmentState, Generation, GenerationState, ManagedKey


@dataclass(frozen=True)
class DueKey:
    key: ManagedKey
    reason: str
    next_generation: int


@dataclass(frozen=True)
class Proposal:
    environment: str
    before: EnvironmentState
    after: EnvironmentState
    due: tuple[DueKey, ...]
    in_flight: tuple[str, ...]  # keys that already have a pending generation

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
) -> Proposal:
    if previous is not None and unfinished(previous):
        raise EnvironmentBlocked(
            f"{previous.environment} still has rotations in flight ({', '.join(unfinished(previous))}); "
            f"finish them (`byok rotate apply --env {previous.environment}`) before proposing {state.environment}"
        )
    for name in force_keys:
        state.key(name)  # unknown names fail before anything is decided
    due: list[DueKey] = []
    after = state
    for key in state.keys:
        reason = "requested" if key.name in force_keys and not key.pending else due_reason(key, today, lead_days)
        if reason is None:
            continue
        number = (key.latest.number if key.latest else 0) + 1
        after = after.with_key(key.with_generation(Generation(number, GenerationState.PENDING, today)))
        due.append(DueKey(key, reason, number))
    return Proposal(
        environment=state.environment,
        before=state,
        after=after,
        due=tuple(due),
        in_flight=tuple(unfinished(state)),
    )
