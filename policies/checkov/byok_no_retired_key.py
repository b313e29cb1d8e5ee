"""CKV_BYOK_5: no resource is encrypted with a key that byok has retired.

The list comes from byok (``BYOK_RETIRED_KEYS_FILE``) because only byok knows which generations are
retired. On code it catches literals and tfvars-resolved values; on a plan, where every reference is
resolved to an ARN, it catches everything.
"""

from __future__ import annotations

from typing import Any

from byok_key_attributes import KEY_ATTRIBUTES, key_values
from byok_retired_keys import RetiredKeysUnreadable, retired_tokens
from byok_shared import key_tokens

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class NoRetiredKeyReference(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Encryption key is not a generation that byok has retired",
            id="CKV_BYOK_5",
            categories=(CheckCategories.ENCRYPTION,),
            supported_resources=tuple(KEY_ATTRIBUTES),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        try:
            retired = retired_tokens()
        except RetiredKeysUnreadable as exc:
            # Failing every resource is the loud way: a skipped check would read as "nothing retired".
            self.details.append(f"retired-key list unusable: {exc}")
            return CheckResult.FAILED
        if retired is None:
            return CheckResult.PASSED
        found = list(key_values(conf, self.entity_type))
        hits = [key for key, value in found if key_tokens(value) & retired]
        self.evaluated_keys = hits or [key for key, _ in found]
        return CheckResult.FAILED if hits else CheckResult.PASSED


check = NoRetiredKeyReference()
