"""The intended state of an environment's keys: what the rendered tfvars declare.

A key has generations. In place, a generation is one material of the same KMS key; in an
alias swap, each generation is its own KMS key. Only byok changes generations, and it does so
through the tfvars a pull request carries, so git history is the rotation history.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import date

from byok.errors import ConfigError
from byok.model import Strategy

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MATERIAL_ID = re.compile(r"^([a-f0-9]{64})?$")
CHECK_VALUE = re.compile(r"^([a-f0-9]{6})?$")
ACCOUNT = re.compile(r"^([0-9]{12})?$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")


class GenerationState(enum.StrEnum):
    PENDING = "pending"  # declared; material not imported yet
    ACTIVE = "active"  # encrypts new data
    RETIRING = "retiring"  # still decrypts; nothing new uses it
    RETIRED = "retired"  # material deleted from KMS; kept for the record


@dataclass(frozen=True)
class Generation:
    number: int
    state: GenerationState
    created: date
    material_id: str = ""
    check_value: str = ""
    strategy: Strategy | None = None  # set when this generation leaves the key's strategy (budget spent)

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ConfigError(f"generation number {self.number} must be 1 or more")
        if not MATERIAL_ID.match(self.material_id):
            raise ConfigError(f"material_id {self.material_id!r} of generation {self.number} is not 64 hex digits")
        if not CHECK_VALUE.match(self.check_value):
            raise ConfigError(f"check_value {self.check_value!r} of generation {self.number} is not 6 hex digits")


@dataclass(frozen=True)
class ManagedKey:
    name: str
    alias: str
    strategy: Strategy
    max_age_days: int
    description: str
    generations: tuple[Generation, ...]
    account: str = ""  # empty: the account of the credentials byok runs with
    region: str = ""  # empty: the region byok runs in (--region / AWS_REGION)
    replica_regions: tuple[str, ...] = ()  # a multi-Region key: the same material in each of these too

    def __post_init__(self) -> None:
        for what, value in (("key name", self.name), ("alias", self.alias)):
            if not NAME.match(value):
                raise ConfigError(f"{what} {value!r} must be lower-case letters, digits and dashes")
        if not ACCOUNT.match(self.account):
            raise ConfigError(f"account {self.account!r} of key {self.name} must be 12 digits")
        for region in filter(None, (self.region, *self.replica_regions)):
            if not REGION.match(region):
                raise ConfigError(f"region {region!r} of key {self.name} is not an AWS region name like eu-west-1")
        if len(set(self.replica_regions)) != len(self.replica_regions) or self.region in self.replica_regions:
            raise ConfigError(
                f"replica_regions of key {self.name} must differ from each other and from the key's own region"
            )
        if self.replica_regions and not self.region:
            raise ConfigError(f"multi-Region key {self.name} must name its primary region (region = ...)")
        if any(ord(char) < 32 or ord(char) == 127 for char in self.description):
            raise ConfigError(f"description of key {self.name} must not contain control characters")
        if not 1 <= self.max_age_days <= 3650:
            raise ConfigError(f"max_age_days {self.max_age_days} of key {self.name} must be 1..3650")
        numbers = [g.number for g in self.generations]
        if numbers != sorted(set(numbers)):
            raise ConfigError(f"generations of key {self.name} must be unique and ascending")
        active = [g for g in self.generations if g.state == GenerationState.ACTIVE]
        if len(active) > 1:
            raise ConfigError(f"key {self.name} has {len(active)} active generations; exactly one may be active")

    @property
    def active(self) -> Generation | None:
        return next((g for g in self.generations if g.state == GenerationState.ACTIVE), None)

    @property
    def pending(self) -> Generation | None:
        return next((g for g in self.generations if g.state == GenerationState.PENDING), None)

    @property
    def latest(self) -> Generation | None:
        return self.generations[-1] if self.generations else None

    def strategy_of(self, generation: Generation) -> Strategy:
        return generation.strategy or self.strategy

    def with_generation(self, generation: Generation) -> ManagedKey:
        """Replace or append one generation, keeping the order stable."""
        others = [g for g in self.generations if g.number != generation.number]
        return replace(self, generations=tuple(sorted([*others, generation], key=lambda g: g.number)))


@dataclass(frozen=True)
class Binding:
    """A service resource encrypted by a key; ``generation`` None follows the active one."""

    name: str
    key: str
    generation: int | None = None


@dataclass(frozen=True)
class EnvironmentState:
    environment: str
    keys: tuple[ManagedKey, ...]
    bindings: tuple[Binding, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not NAME.match(self.environment):
            raise ConfigError(f"environment name {self.environment!r} must be lower-case letters, digits, dashes")
        names = {k.name for k in self.keys}
        if len(names) != len(self.keys):
            raise ConfigError(f"environment {self.environment} declares a key name twice")
        for binding in self.bindings:
            if binding.key not in names:
                raise ConfigError(f"binding {binding.name} uses key {binding.key!r}, which is not declared")

    def key(self, name: str) -> ManagedKey:
        for managed in self.keys:
            if managed.name == name:
                return managed
        known = ", ".join(k.name for k in self.keys) or "none"
        raise ConfigError(f"environment {self.environment} has no key named {name!r}", f"keys here: {known}")

    def with_key(self, managed: ManagedKey) -> EnvironmentState:
        return replace(self, keys=tuple(managed if k.name == managed.name else k for k in self.keys))
