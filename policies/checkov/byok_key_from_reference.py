"""CKV_BYOK_1: a resource takes its encryption key from a Terraform reference, never from a literal.

A literal key ID, ARN or alias pins the resource to one generation: rotation by alias swap moves the
alias and re-points references, and a hardcoded identifier silently stays behind on the old key.
"""

from __future__ import annotations

from typing import Any

from byok_key_attributes import KEY_ATTRIBUTES, key_values
from byok_key_identifiers import is_literal_key

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from checkov.terraform.plan_parser import TF_PLAN_RESOURCE_CHANGE_ACTIONS


class EncryptionKeyFromReference(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Encryption key comes from a resource, data or module reference, not a literal key ID/ARN/alias",
            id="CKV_BYOK_1",
            categories=(CheckCategories.ENCRYPTION,),
            supported_resources=tuple(KEY_ATTRIBUTES),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        # A plan shows every reference already resolved to an ARN: whether the code used a reference is
        # only visible in the code, so the check has nothing to say about a plan.
        if TF_PLAN_RESOURCE_CHANGE_ACTIONS in conf:
            return CheckResult.UNKNOWN
        found = list(key_values(conf, self.entity_type))
        if not found:
            return CheckResult.UNKNOWN
        literals = [key for key, value in found if is_literal_key(value)]
        self.evaluated_keys = literals or [key for key, _ in found]
        return CheckResult.FAILED if literals else CheckResult.PASSED


check = EncryptionKeyFromReference()
