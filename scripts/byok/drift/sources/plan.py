"""Facts from ``terraform show -json``: resolved key ARNs, keys and aliases, and planned replacements.

The plan is where a PR's damage is visible before it happens: a data store whose KMS key attribute is in
``replace_paths`` (or differs) under a delete-and-create is a database Terraform would destroy. Resolved
values come from ``planned_values`` (what the state will be) over ``prior_state`` (what it is), because
values unknown until apply are absent from the planned ones. A state JSON (``values``) works too. Which
attributes hold a key is the catalogue's answer, the same the code source and the Checkov pack use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from byok.drift.facts import AliasFact, Fact, KeyFact, ReplacementFact, UsageFact
from byok.drift.findings import Resource
from byok.drift.reference import KeyReference, ReferenceKind
from byok.errors import ConfigError
from byok.keyscan.catalogue import key_like_name, takes_key

KEY_TYPES = {"aws_kms_external_key", "aws_kms_key", "aws_kms_replica_external_key", "aws_kms_replica_key"}
DATA_STORES = {"aws_db_instance", "aws_rds_cluster", "aws_ebs_volume", "aws_dynamodb_table", "aws_efs_file_system"}
_ARN = re.compile(r"^arn:[a-z-]+:[a-z0-9-]+:(?P<region>[a-z0-9-]*):(?P<account>\d{12})?:")


class PlanSource:
    name = "plan"

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    @classmethod
    def from_file(cls, path: Path) -> PlanSource:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}", "pass `terraform show -json` output") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} is not JSON: {exc}", "pass the output of `terraform show -json PLAN`") from None
        if not isinstance(document, dict) or not {"planned_values", "values", "prior_state"} & set(document):
            raise ConfigError(f"{path} is not a Terraform plan or state JSON", "use `terraform show -json`")
        return cls(document)

    def resources(self) -> dict[str, dict[str, Any]]:
        """Address -> resource, planned values laid over the prior state's."""
        prior = {r["address"]: r for r in _walk(self.document.get("prior_state", {}).get("values", {}))}
        current = self.document.get("planned_values") or self.document.get("values") or {}
        merged = {}
        for resource in _walk(current):
            before = prior.get(resource["address"], {}).get("values", {})
            values = {**before, **{k: v for k, v in resource.get("values", {}).items() if v is not None}}
            merged[resource["address"]] = {**resource, "values": values}
        return merged

    def facts(self) -> Iterator[Fact]:
        for address, resource in self.resources().items():
            yield from _resource_facts(address, resource["type"], resource["values"])
        for change in self.document.get("resource_changes", []):
            yield from _replacements(change)


def _walk(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    root = module.get("root_module", module)
    yield from (r for r in root.get("resources", []) if r.get("mode", "managed") == "managed")
    for child in root.get("child_modules", []):
        yield from _walk(child)


def _resource_facts(address: str, rtype: str, values: dict[str, Any]) -> Iterator[Fact]:
    scope = _ARN.match(str(values.get("arn", "")))
    account, region = (scope["account"], scope["region"]) if scope else (None, None)
    if rtype in KEY_TYPES:
        reference = KeyReference.parse(str(values.get("arn", "")))
        if reference is not None and reference.kind is ReferenceKind.KEY_ARN:
            tags = values.get("tags_all") or values.get("tags") or {}
            yield KeyFact(reference, tags=dict(tags), source="plan")
        return
    if rtype == "aws_kms_alias":
        if account and region and values.get("name") and values.get("target_key_id"):
            yield AliasFact(account, region, values["name"], str(values["target_key_id"]), "plan")
        return
    resource = Resource(rtype, address, account, region)
    for attribute, value in kms_attributes(values, rtype):
        reference = KeyReference.parse(value, account, region)
        if reference is not None:
            if account is None and reference.account:
                resource = Resource(rtype, address, reference.account, reference.region)
            yield UsageFact(resource, reference, attribute, "plan")


def kms_attributes(
    values: Any, resource_type: str, path: tuple[str, ...] = (), dotted: str = ""
) -> Iterator[tuple[str, str]]:
    """(dotted path, value) of every string attribute of a ``resource_type`` that holds a KMS key.

    The rule is the code source's (:func:`byok.keyscan.catalogue.takes_key`): the catalogue's attribute
    paths for the type (``artifact_store.encryption_key.id`` of a pipeline, an EMR security configuration),
    else an AWS attribute named for a key; never a tag, never a key's own definition (an alias name). Nested
    blocks are lists in plan JSON: their indexes go into the dotted path (``rule[0].kms_key_id``), as in
    ``replace_paths``, but not into the path the catalogue is asked about. A catalogued value that is a
    JSON document is searched by its keys' names, as the code source searches JSON in strings.
    """
    if isinstance(values, dict):
        for key, value in values.items():
            yield from kms_attributes(value, resource_type, (*path, key), f"{dotted}.{key}" if dotted else key)
    elif isinstance(values, list):
        for index, value in enumerate(values):
            yield from kms_attributes(value, resource_type, path, f"{dotted}[{index}]")
    elif isinstance(values, str) and values and path and takes_key("resource", resource_type, path):
        document = _json_document(values)
        yield from (_named_keys(document, dotted) if document is not None else [(dotted, values)])


def _json_document(value: str) -> Any:
    if not value.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _named_keys(document: Any, dotted: str) -> Iterator[tuple[str, str]]:
    """(path, value) of every string in a JSON document whose key is named for a KMS key (``AwsKmsKey``)."""
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, str) and key_like_name(key) and value:
                yield f"{dotted}.{key}", value
            else:
                yield from _named_keys(value, f"{dotted}.{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _named_keys(value, f"{dotted}[{index}]")


def _replacements(change: dict[str, Any]) -> Iterator[ReplacementFact]:
    details = change.get("change", {})
    actions = set(details.get("actions", []))
    if change.get("type") not in DATA_STORES or not {"delete", "create"} <= actions:
        return
    before = dict(kms_attributes(details.get("before") or {}, change["type"]))
    after = dict(kms_attributes(details.get("after") or {}, change["type"]))
    forced = {_dotted(path) for path in details.get("replace_paths") or []}
    if forced:  # Terraform says why it replaces: trust that over a comparison of values
        changed = sorted(name for name in {*before, *after} if name in forced)
    else:
        changed = sorted(name for name in before.keys() & after.keys() if before[name] != after[name])
    if not changed:
        return
    scope = _ARN.match(str((details.get("before") or {}).get("arn", "")))
    resource = Resource(
        change["type"], change["address"], scope["account"] if scope else None, scope["region"] if scope else None
    )
    for name in changed:
        yield ReplacementFact(resource, name, before.get(name), after.get(name))


def _dotted(path: list[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
