"""CKV_BYOK_3: a KMS key keeps the full 30-day deletion window.

Scheduling deletion of a key is the one mistake that cannot be undone once the window ends: every
ciphertext under it is lost. The longest window gives the most time to notice (Security Hub KMS.3).
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

MINIMUM_DAYS = 30


class KeyDeletionWindowFull(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=f"KMS key deletion window is at least {MINIMUM_DAYS} days",
            id="CKV_BYOK_3",
            categories=(CheckCategories.ENCRYPTION,),
            supported_resources=("aws_kms_key", "aws_kms_external_key"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["deletion_window_in_days"]
        value = (conf.get("deletion_window_in_days") or [None])[0]
        if value is None:
            return CheckResult.PASSED  # unset: AWS applies its default, 30 days
        try:
            days = int(value)
        except (TypeError, ValueError):
            # An unresolved variable cannot be proven to be 30: give it a default and a validation.
            self.details.append(f"deletion_window_in_days is not a number Checkov can resolve: {value!r}")
            return CheckResult.FAILED
        return CheckResult.PASSED if days >= MINIMUM_DAYS else CheckResult.FAILED


check = KeyDeletionWindowFull()
