"""CKV_BYOK_1: no key ID or key ARN is written as a literal; keys come from references or aliases.

A literal key ID or ARN pins the code to one key: rotation by alias swap moves the alias and re-points
references, and a hard-coded identifier silently stays on the old generation. An alias (``alias/app``)
follows rotations and passes; a generation alias is judged by CKV_BYOK_5 and BYOK-D001/D002.

The judgement is byok's, not a copy of it: the check asks the shared model (``byok.keyscan``, through
``byok_shared``) for the literal key references in the block's own lines and those reaching its key
attributes through ``var.X``/``local.X`` in the same module, exactly as ``byok drift code`` reports them.
It reads the source, not the values Checkov resolved, because Checkov replaces
``data.aws_kms_key.x.key_id`` with the data block's *input* (often an alias ARN): judged on that, every
data-source reference failed. The same check runs on resources, data sources, providers and module calls;
each failure lists ``file:line: address attribute is the literal ...`` for every literal it found.

Checkov never shows a check a ``.tf.json`` file, an unparseable file, a symlinked directory, a backend
block, an output, a value no checked block uses, a Terragrunt ``inputs``/``remote_state`` or the policy and
template files a block reads (``file()``, ``templatefile()``); ``byok drift code`` reports literals there too. So the
first block the check judges in a directory also reports that directory's literals no check is shown and
its unreadable files (and those of directories below it where Checkov checks nothing), with their own file
and line and the reason: see ``byok.keyscan.checkov_view``. Each literal is reported once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from byok_shared import block_literals, file_kind, locate, swept

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.module.base_module_check import BaseModuleCheck
from checkov.terraform.checks.provider.base_check import BaseProviderCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from checkov.terraform.plan_parser import TF_PLAN_RESOURCE_CHANGE_ACTIONS

ID = "CKV_BYOK_1"
NAME = "No key ID or key ARN is written as a literal: keys come from a reference, a data source or an alias"


def judge(check: Any, conf: dict[str, Any]) -> CheckResult:
    """FAILED with the literals' locations in ``details``, PASSED when there are none."""
    if TF_PLAN_RESOURCE_CHANGE_ACTIONS in conf:
        return CheckResult.UNKNOWN  # a plan shows references already resolved: only code shows literals
    scanned_file = check.entity_path.rsplit(":", 2)[0]
    path = locate(scanned_file)
    if path is None:
        check.details.append(f"cannot find {scanned_file} on disk to read its source")
        return CheckResult.UNKNOWN
    if file_kind(path) is None:
        return CheckResult.UNKNOWN  # a plan's provider configuration: not source code
    start, end = conf.get("__start_line__", 0), conf.get("__end_line__", 0)
    literals = [lit for lit in block_literals(path, start, end) if lit.reference.pins_key]
    first = _REPORTED.setdefault((path, start, end), conf.get("__address__", f"{path.name}:{start}"))
    for lit in literals:
        if first != conf.get("__address__", first):  # another instance of a for_each/count block
            check.details.append(f"the same block as {first}, which lists its literals")
            break
        check.details.append(
            f"{lit.file}:{lit.line}: {lit.address} {lit.attribute} is the literal {lit.reference.kind} {lit.text}"
        )
    check.evaluated_keys = sorted({lit.attribute.split(".")[0] for lit in literals if lit.address})
    hidden = report_sweeps(check, path)  # always: it is handed out once, to the first block judged here
    return CheckResult.FAILED if literals or hidden else CheckResult.PASSED


# Checkov judges each instance of a ``for_each``/``count`` block (``aws_kms_alias.teams["orders"]``) on its own;
# every instance fails, and the first one judged lists the block's literals, so each is reported once.
_REPORTED: dict[tuple[Path, int, int], str] = {}


def report_sweeps(check: Any, path: Path) -> bool:
    """Add what this block reports for Checkov's blind spots to ``details``; whether there was anything."""
    found = False
    for root, sweep in swept(path):
        for hidden in sweep.literals:
            lit = hidden.literal
            check.details.append(
                f"{os.path.relpath(root / lit.file, path.parent)}:{lit.line}: {lit.address} {lit.attribute} is the "
                f"literal {lit.reference.kind} {lit.text} ({hidden.reason}: reported with this block)"
            )
        for bad in sweep.unreadable:
            check.details.append(
                f"{os.path.relpath(root / bad.file, path.parent)}: unreadable: {bad.reason} (reported with this block)"
            )
        found = found or bool(sweep.literals or sweep.unreadable)
    return found


class ResourceKeyFromReference(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(NAME, ID, (CheckCategories.ENCRYPTION,), supported_resources=("*",))

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return judge(self, conf)


class DataKeyFromReference(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(NAME, ID, (CheckCategories.ENCRYPTION,), supported_data=("*",))

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        return judge(self, conf)


class ProviderKeyFromReference(BaseProviderCheck):
    def __init__(self) -> None:
        super().__init__(NAME, ID, (CheckCategories.ENCRYPTION,), supported_provider=("*",))

    def scan_provider_conf(self, conf: dict[str, Any]) -> CheckResult:
        return judge(self, conf)


class ModuleKeyFromReference(BaseModuleCheck):
    def __init__(self) -> None:
        super().__init__(NAME, ID, (CheckCategories.ENCRYPTION,))

    def scan_module_conf(self, conf: dict[str, Any]) -> CheckResult:
        return judge(self, conf)


resource_check = ResourceKeyFromReference()
data_check = DataKeyFromReference()
provider_check = ProviderKeyFromReference()
module_check = ModuleKeyFromReference()
