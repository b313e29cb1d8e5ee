"""CKV_BYOK_6: a plan never replaces a data store because its KMS key changed.

RDS and EBS store the resolved key at creation: pointing them at a new generation makes Terraform plan
delete-and-create, i.e. a destroyed database or volume. The way to move them is snapshot-copy-and-
restore, never a key swap in Terraform.

Checkov's plan runner gives a resource check the plan's ``actions`` as ``__change_actions__`` and the
top-level attributes whose value differs between before and after as ``__change_keys__``; it does not
expose ``replace_paths``. A replacement whose changed attributes include the key attribute is a
replacement the key change took part in, which is what this check refuses.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from checkov.terraform.plan_parser import TF_PLAN_RESOURCE_CHANGE_ACTIONS, TF_PLAN_RESOURCE_CHANGE_KEYS

# The top-level attribute through which each data store takes its key.
KEY_ATTRIBUTE = {
    "aws_db_instance": "kms_key_id",
    "aws_rds_cluster": "kms_key_id",
    "aws_ebs_volume": "kms_key_id",
    "aws_dynamodb_table": "server_side_encryption",
}


class NoReplacementByKeyChange(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Plan does not replace an RDS, EBS or DynamoDB data store because its KMS key changed",
            id="CKV_BYOK_6",
            categories=(CheckCategories.ENCRYPTION,),
            supported_resources=tuple(KEY_ATTRIBUTE),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        actions = conf.get(TF_PLAN_RESOURCE_CHANGE_ACTIONS)
        if actions is None:
            return CheckResult.UNKNOWN  # code, not a plan: there is no change to judge
        key_attribute = KEY_ATTRIBUTE[self.entity_type]
        self.evaluated_keys = [key_attribute]
        replaced = "delete" in actions and "create" in actions
        key_changed = key_attribute in (conf.get(TF_PLAN_RESOURCE_CHANGE_KEYS) or [])
        return CheckResult.FAILED if replaced and key_changed else CheckResult.PASSED


check = NoReplacementByKeyChange()
