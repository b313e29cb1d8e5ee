"""Facts from every source, indexed once, with the questions the rules ask of them.

The hard question is "which byok key and generation does this reference name?": a generation alias says
it by name; anything else resolves to a KMS key whose ``byok:key``/``byok:generation`` tags say it. In
place, every generation is the same key, so a reference to it follows the rotation and names no generation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from byok.drift.facts import AliasFact, Fact, GapFact, KeyFact, ReplacementFact, UsageFact
from byok.drift.intent import Intent
from byok.drift.reference import KeyReference, KeyResolver, ResolvedKey
from byok.estate import GenerationState


@dataclass(frozen=True)
class GenerationRef:
    name: str  # the byok key (alias name)
    number: int
    state: str | None  # a GenerationState value, from tfvars or else the byok:state tag


@dataclass
class Evidence:
    intent: Intent = field(default_factory=Intent)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    horizon: timedelta = timedelta(days=30)
    keys: dict[tuple[str, str, str], KeyFact] = field(default_factory=dict)
    aliases: list[AliasFact] = field(default_factory=list)
    usages: list[UsageFact] = field(default_factory=list)
    replacements: list[ReplacementFact] = field(default_factory=list)
    gaps: list[GapFact] = field(default_factory=list)
    resolver: KeyResolver = field(default_factory=KeyResolver)
    _by_name: dict[str, list[KeyFact]] | None = field(default=None, init=False, repr=False)

    def add(self, facts: Iterable[Fact]) -> Evidence:
        for fact in facts:
            if isinstance(fact, KeyFact):
                self._add_key(fact)
            elif isinstance(fact, AliasFact):
                self.aliases.append(fact)
                self.resolver.add_alias(fact.account, fact.region, fact.name, fact.target_key_id)
            elif isinstance(fact, UsageFact):
                self.usages.append(fact)
            elif isinstance(fact, ReplacementFact):
                self.replacements.append(fact)
            else:
                self.gaps.append(fact)
        return self

    def _add_key(self, fact: KeyFact) -> None:
        ref = fact.reference
        assert ref.account and ref.region, "a key fact carries its ARN"
        slot = (ref.account, ref.region, ref.name)
        known = self.keys.get(slot)
        if known is None or (not known.materials and fact.materials):  # a live fact beats a state fact
            self.keys[slot] = fact
            self._by_name = None
        self.resolver.add_key(*slot)

    def resolve(self, reference: KeyReference) -> ResolvedKey | None:
        return self.resolver.resolve(reference)

    def key(self, reference: KeyReference) -> KeyFact | None:
        resolved = self.resolve(reference)
        return self.keys.get(resolved.slot) if resolved else None

    def generation_of(self, reference: KeyReference) -> GenerationRef | None:
        named = reference.generation_alias
        if named is not None and (named[0] in self.intent.keys or self._tagged(named[0])):
            return self._generation(named[0], named[1], None)
        key = self.key(reference)
        if key is None or key.byok_name is None or key.byok_generation is None:
            return None
        if self.strategy(key.byok_name, key) != "alias-swap":
            return None
        return self._generation(key.byok_name, key.byok_generation, key)

    def strategy(self, name: str, key: KeyFact | None = None) -> str | None:
        managed = self.intent.keys.get(name)
        if managed is not None:
            return managed.strategy.value
        return key.tags.get("byok:strategy") if key else None

    def _generation(self, name: str, number: int, key: KeyFact | None) -> GenerationRef:
        declared = self.intent.generation(name, number)
        if declared is not None:
            return GenerationRef(name, number, declared.state.value)
        if name in self.intent.keys:
            return GenerationRef(name, number, GenerationState.RETIRED.value)  # no longer declared at all
        return GenerationRef(name, number, key.tags.get("byok:state") if key else None)

    def _tagged(self, name: str) -> bool:
        return bool(self.generation_keys(name))

    def generation_keys(self, name: str) -> list[KeyFact]:
        """Keys tagged ``byok:key = name``; indexed once the facts are in (rules ask per alias and per reference)."""
        if self._by_name is None:
            self._by_name = {}
            for key in self.keys.values():
                if key.byok_name:
                    self._by_name.setdefault(key.byok_name, []).append(key)
        return list(self._by_name.get(name, ()))

    def references_to(self, key: KeyFact) -> list[UsageFact]:
        slot = (key.reference.account, key.reference.region, key.reference.name)
        return [u for u in self.usages if (resolved := self.resolve(u.reference)) and resolved.slot == slot]
