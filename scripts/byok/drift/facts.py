"""The facts the three sources (code, plan, live) yield, and the one interface they share.

Rules read facts, never a source: the same rule finds a retired generation whether the reference came from
a ``.tf`` literal, a planned value or a live RDS instance. A new source is a new :class:`FactSource`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from byok.drift.findings import Resource
from byok.drift.reference import KeyReference
from byok.model import KeyMaterial


@dataclass(frozen=True)
class KeyFact:
    """A KMS key as KMS (or the Terraform state) reports it; ``materials`` only from a live scan."""

    reference: KeyReference  # always a key ARN
    state: str | None = None
    origin: str | None = None
    creation_date: datetime | None = None
    deletion_date: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    materials: tuple[KeyMaterial, ...] = ()
    current_material_id: str | None = None
    source: str = "live"
    multi_region: bool | None = None  # None: the source does not say (a plan, AWS Config)
    multi_region_type: str | None = None  # PRIMARY or REPLICA (DescribeKey's MultiRegionConfiguration)
    replica_regions: tuple[str, ...] = ()  # a multi-Region primary's replicas

    @property
    def is_replica(self) -> bool:
        return self.multi_region_type == "REPLICA"

    @property
    def byok_name(self) -> str | None:
        return self.tags.get("byok:key")

    @property
    def byok_generation(self) -> int | None:
        value = self.tags.get("byok:generation", "")
        return int(value) if value.isdigit() else None

    def tag_date(self, tag: str) -> date | None:
        """``byok:rotated`` / ``byok:next-due`` as dates; a missing or hand-edited tag reads as unknown."""
        try:
            return date.fromisoformat(self.tags.get(tag, ""))
        except ValueError:
            return None


def key_resource(key: KeyFact) -> Resource:
    ref = key.reference
    return Resource("AWS::KMS::Key", ref.arn or ref.name, ref.account, ref.region)


@dataclass(frozen=True)
class AliasFact:
    account: str
    region: str
    name: str
    target_key_id: str
    source: str = "live"


@dataclass(frozen=True)
class UsageFact:
    """A resource that encrypts with a key, named the way the resource (or the code) names it."""

    resource: Resource
    reference: KeyReference
    attribute: str
    source: str
    literal: bool = False  # written as a literal in code, not taken from a reference or variable


@dataclass(frozen=True)
class ReplacementFact:
    """A planned delete-and-create of a data store whose KMS key attribute is part of the reason."""

    resource: Resource
    attribute: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class GapFact:
    """Something the source could not read, so that silence is never mistaken for a clean estate."""

    resource: Resource
    reason: str
    source: str = "live"


Fact = KeyFact | AliasFact | UsageFact | ReplacementFact | GapFact


class FactSource(Protocol):
    """Yields facts from one place: Terraform code, a plan/state JSON, or the live accounts."""

    name: str

    def facts(self) -> Iterator[Fact]: ...
