# Three roles, three disjoint action sets: administrators never get cryptographic use, users never
# touch material, and the rotation role can import and rotate material but never decrypt.
locals {
  admin_actions = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:ListAliases",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
  ]

  user_actions = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
  ]

  grant_actions = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]

  rotation_actions = [
    "kms:GetParametersForImport",
    "kms:ImportKeyMaterial",
    "kms:DeleteImportedKeyMaterial",
    "kms:RotateKeyOnDemand",
    "kms:ListKeyRotations",
    "kms:DescribeKey",
  ]

  policy_statements = [
    { sid = "KeyAdministration", actions = local.admin_actions, principals = var.key.key_administrator_arns, only_for_aws_services = false },
    { sid = "KeyUse", actions = local.user_actions, principals = var.key.key_user_arns, only_for_aws_services = false },
    { sid = "GrantsForAwsServices", actions = local.grant_actions, principals = var.key.key_user_arns, only_for_aws_services = true },
    { sid = "MaterialRotation", actions = local.rotation_actions, principals = var.key.rotation_role_arns, only_for_aws_services = false },
  ]
}
