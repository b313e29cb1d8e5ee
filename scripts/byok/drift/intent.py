"""The intended key state the rules compare against: the rendered tfvars of one or more environments.

Keys are indexed by their alias name because that is what the key module writes into the ``byok:key``
tag and into ``alias/<name>`` and ``alias/<name>-g<N>``: the one name shared by tfvars, tags and aliases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from byok.estate import EnvironmentState, Generation, GenerationState, ManagedKey
from byok.policy import EstatePolicy


@dataclass(frozen=True)
class Intent:
    keys: dict[str, ManagedKey] = field(default_factory=dict)  # by alias name (the byok:key tag)
    environments: dict[str, str] = field(default_factory=dict)  # alias name -> environment

    @classmethod
    def of(cls, states: Iterable[EnvironmentState]) -> Intent:
        keys: dict[str, ManagedKey] = {}
        environments: dict[str, str] = {}
        for state in states:
            for managed in state.keys:
                keys[managed.alias] = managed
                environments[managed.alias] = state.environment
        return cls(keys, environments)

    def generation(self, name: str, number: int) -> Generation | None:
        managed = self.keys.get(name)
        return next((g for g in managed.generations if g.number == number), None) if managed else None

    def active(self, name: str) -> Generation | None:
        managed = self.keys.get(name)
        return managed.active if managed else None

    def retired_aliases(self) -> list[str]:
        """``alias/<name>-g<N>`` of every retired alias-swap generation: known without asking KMS."""
        return [
            f"alias/{name}-g{generation.number}"
            for name, managed in sorted(self.keys.items())
            if managed.strategy == "alias-swap"
            for generation in managed.generations
            if generation.state == GenerationState.RETIRED
        ]


def load_intent(policy: EstatePolicy, environment: str | None = None) -> Intent:
    """One environment's tfvars when named (they must exist), else every environment's that are rendered."""
    if environment is not None:  # read_state imports hcl2 only now: the Lambda monitor has no hcl2
        return Intent.of([policy.read_state(environment)])
    rendered = [env.name for env in policy.environments if policy.tfvars_path(env.name).exists()]
    return Intent.of(policy.read_state(name) for name in rendered)
