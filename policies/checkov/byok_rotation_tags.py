"""CKV_BYOK_4: an external key carries the tags that byok and the auditors read its rotation from.

Imported keys have no automatic rotation, so KMS itself records nothing about generations; these tags
are the record the drift checker, the nightly report and an auditor use.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

REQUIRED_TAGS = ("byok:key", "byok:generation", "byok:strategy", "byok:rotated", "byok:next-due")


class ExternalKeyRotationTags(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="External KMS key carries the byok rotation tags (" + ", ".join(REQUIRED_TAGS) + ")",
            id="CKV_BYOK_4",
            categories=(CheckCategories.GENERAL_SECURITY,),
            supported_resources=("aws_kms_external_key",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["tags"]
        tags: dict[str, Any] = {}
        # ``tags_all`` exists only in a plan, where it adds the provider's default_tags.
        for attribute in ("tags", "tags_all"):
            value = (conf.get(attribute) or [None])[0]
            if isinstance(value, str):
                # An expression Checkov could not evaluate (a variable without a value, or a merge over
                # locals and for_each, which its evaluator garbles). The code cannot show the tags; the
                # plan scan, where Terraform has resolved them, is the judge.
                return CheckResult.UNKNOWN
            if isinstance(value, dict):
                tags.update(value)
        missing = [name for name in REQUIRED_TAGS if not tags.get(name)]
        if missing:
            self.details.append("missing tags: " + ", ".join(missing))
            return CheckResult.FAILED
        return CheckResult.PASSED


check = ExternalKeyRotationTags()
