data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  prefix       = "byok-${var.environment}"
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  tags         = { "byok:environment" = var.environment }
}

resource "aws_iam_role" "rotation" {
  name        = "${local.prefix}-rotation"
  description = "byok rotate/retire: imports and rotates key material, cannot decrypt."
  tags        = local.tags

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = local.account_root }
    }]
  })
}

module "key" {
  source   = "../../modules/kms-external-key"
  for_each = var.keys

  name                   = each.value.alias
  description            = each.value.description
  strategy               = each.value.strategy
  max_age_days           = each.value.max_age_days
  generations            = each.value.generations
  key_administrator_arns = coalescelist(var.key_administrator_arns, [local.account_root])
  key_user_arns          = coalescelist(var.key_user_arns, [local.account_root])
  rotation_role_arns     = [aws_iam_role.rotation.arn]
  tags                   = local.tags
}
