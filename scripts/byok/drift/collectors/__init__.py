"""Live collectors: one small class per AWS resource kind, found through a registry.

A new service is one new module in this package with a ``@register``-ed class: ``load()`` imports every
module here, so nothing else changes. Collectors whose listing already names the key (RDS, EBS, Secrets
Manager, ...) are declarative :class:`Listed` classes and cost one paginated call per region; the rest list
first and then make exactly one describe call per resource, which the live source runs concurrently.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from byok.drift.facts import Fact, UsageFact
from byok.drift.findings import Resource
from byok.drift.reference import KeyReference
from byok.paging import paginator


@dataclass(frozen=True)
class Scope:
    account: str
    region: str
    partition: str = "aws"


@dataclass
class Page:
    """What a listing found: facts it could already tell, and items that each need one describe call.

    ``pending`` may be a lazy iterator (the rest of a paginated listing): the live source then draws the next
    page only when its describe calls run low, so a region of 100,000 keys is never listed into memory at once.
    """

    facts: list[Fact] = field(default_factory=list)
    pending: Iterable[Any] = field(default_factory=list)


class Collector:
    name: ClassVar[str]
    service: ClassVar[str]  # the boto3 client it uses
    resource_type: ClassVar[str]  # CloudFormation-style type, as Security Hub and Config name resources
    global_service: ClassVar[bool] = False  # listed once per account (S3), not once per region

    def list(self, client: Any, scope: Scope) -> Page:
        raise NotImplementedError

    def describe(self, client: Any, scope: Scope, item: Any) -> Iterable[Fact]:
        return ()

    def usage(self, scope: Scope, resource_id: str, attribute: str, value: str | None) -> UsageFact | None:
        reference = KeyReference.parse(value, scope.account, scope.region) if value else None
        if reference is None:
            return None
        resource = Resource(self.resource_type, resource_id, scope.account, scope.region)
        return UsageFact(resource, reference, attribute, "live")


class Listed(Collector):
    """A service whose list/describe-all call returns each resource's key: declare the fields, no code."""

    operation: ClassVar[str]
    result_key: ClassVar[str]
    id_field: ClassVar[str]
    key_field: ClassVar[str]
    arguments: ClassVar[dict[str, Any]] = {}

    def list(self, client: Any, scope: Scope) -> Page:
        found = (
            self.usage(scope, self.resource_id(scope, item), self.key_field, item.get(self.key_field))
            for item in paginate(client, self.operation, self.result_key, **self.arguments)
        )
        return Page(facts=[usage for usage in found if usage is not None])

    def resource_id(self, scope: Scope, item: dict[str, Any]) -> str:
        return str(item[self.id_field])


class Described(Collector):
    """A service whose listing only names resources: one describe call per resource tells its key."""

    list_operation: ClassVar[str]
    list_key: ClassVar[str]

    def list(self, client: Any, scope: Scope) -> Page:
        return Page(pending=list(paginate(client, self.list_operation, self.list_key)))

    def describe(self, client: Any, scope: Scope, item: Any) -> Iterator[Fact]:
        usage = self.usage(scope, *self.key_of(client, item))
        if usage is not None:
            yield usage

    def key_of(self, client: Any, item: Any) -> tuple[str, str, str | None]:
        """(resource ID, attribute, key as the service reports it) of one listed item."""
        raise NotImplementedError


def paginate(client: Any, operation: str, result_key: str, **arguments: Any) -> Iterator[Any]:
    if client.can_paginate(operation):
        for page in paginator(client, operation).paginate(**arguments):
            yield from page.get(result_key, [])
    else:
        yield from getattr(client, operation)(**arguments).get(result_key, [])


REGISTRY: dict[str, type[Collector]] = {}


def register(cls: type[Collector]) -> type[Collector]:
    if cls.name in REGISTRY:
        raise ValueError(f"collector {cls.name} registered twice")
    REGISTRY[cls.name] = cls
    return cls


def load() -> dict[str, type[Collector]]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return REGISTRY
