"""One drift run: facts from the chosen sources, checked against the intent, with the key timeline.

The result carries what every report format needs and nothing they must compute again: findings in a
stable order, and per key the dates the nightly timeline draws (rotated, next due, material expiry).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from byok.drift.evidence import Evidence
from byok.drift.facts import FactSource, KeyFact
from byok.drift.findings import Finding, Severity
from byok.drift.intent import Intent
from byok.drift.rules import evaluate
from byok.model import KeyMaterial


@dataclass(frozen=True)
class KeySummary:
    name: str
    environment: str | None
    arn: str | None
    state: str | None
    strategy: str | None
    generation: int | None
    rotated: date | None
    next_due: date | None
    materials: tuple[KeyMaterial, ...] = ()


@dataclass(frozen=True)
class DriftResult:
    findings: tuple[Finding, ...]
    keys: tuple[KeySummary, ...]
    sources: tuple[str, ...]
    generated_at: datetime
    horizon_days: int

    def at_least(self, threshold: Severity | None) -> list[Finding]:
        """Findings that fail a gate at ``threshold``; None (``--fail-on none``) fails nothing."""
        return [f for f in self.findings if threshold is not None and f.severity.at_least(threshold)]


def scan(
    sources: Iterable[FactSource], intent: Intent, now: datetime | None = None, horizon_days: int = 30
) -> DriftResult:
    sources = list(sources)
    evidence = Evidence(intent=intent, now=now or datetime.now(UTC), horizon=timedelta(days=horizon_days))
    for source in sources:
        evidence.add(source.facts())
    return DriftResult(
        findings=tuple(evaluate(evidence)),
        keys=tuple(summaries(evidence)),
        sources=tuple(source.name for source in sources),
        generated_at=evidence.now,
        horizon_days=horizon_days,
    )


def summaries(evidence: Evidence) -> list[KeySummary]:
    intent = evidence.intent
    found = [k for k in evidence.keys.values() if k.byok_name or k.origin == "EXTERNAL"]
    result = [_summary(evidence, key) for key in found]
    seen = {key.byok_name for key in found}
    for name, managed in intent.keys.items():
        active = managed.active
        if name in seen or active is None:
            continue
        due = active.created + timedelta(days=managed.max_age_days)
        result.append(
            KeySummary(
                name,
                intent.environments.get(name),
                None,
                None,
                managed.strategy.value,
                active.number,
                active.created,
                due,
            )
        )
    return sorted(result, key=lambda s: (s.environment or "~", s.name, s.generation or 0, s.arn or ""))


def _summary(evidence: Evidence, key: KeyFact) -> KeySummary:
    name = key.byok_name or key.reference.name
    managed = evidence.intent.keys.get(name)
    number = key.byok_generation
    rotated, due = key.tag_date("byok:rotated"), key.tag_date("byok:next-due")
    if managed is not None:
        in_place = managed.strategy.value == "in-place"
        generation = managed.active if in_place else evidence.intent.generation(name, number or 0)
        if generation is not None:
            number, rotated = generation.number, generation.created
            due = generation.created + timedelta(days=managed.max_age_days)
    return KeySummary(
        name=name,
        environment=evidence.intent.environments.get(name),
        arn=key.reference.arn,
        state=key.state,
        strategy=evidence.strategy(name, key),
        generation=number,
        rotated=rotated,
        next_due=due,
        materials=key.materials,
    )
