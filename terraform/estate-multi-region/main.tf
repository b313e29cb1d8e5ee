# The estate of an environment with multi-Region keys (AWS provider >= 6): each key with replica_regions through
# modules/kms-external-key/modules/multi-region (the primary in this provider's Region, a replica in each
# replica Region, every alias there too), everything else (single-Region keys, rotation role, bound stores)
# through ../estate, whose stores may use the multi-Region keys. variables.tf is ../estate's (a link).
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  multi_region = { for name, key in var.keys : name => key if length(key.replica_regions) > 0 }
}

module "estate" {
  source = "../estate"

  environment            = var.environment
  keys                   = { for name, key in var.keys : name => key if length(key.replica_regions) == 0 }
  bindings               = var.bindings
  key_administrator_arns = var.key_administrator_arns
  key_user_arns          = var.key_user_arns
  disposable             = var.disposable
  database_password      = var.database_password
  multi_region_keys = {
    for name, key in module.multi_region_key : name => {
      active_generation = key.active_generation
      generation_arns   = key.generation_arns
      binding_tags      = key.binding_tags
    }
  }
}

module "multi_region_key" {
  source   = "../../modules/kms-external-key/modules/multi-region"
  for_each = local.multi_region

  name                   = each.value.alias
  description            = each.value.description
  strategy               = each.value.strategy
  max_age_days           = each.value.max_age_days
  generations            = each.value.generations
  replica_regions        = each.value.replica_regions
  key_administrator_arns = coalescelist(var.key_administrator_arns, [local.account_root])
  key_user_arns          = coalescelist(var.key_user_arns, [local.account_root])
  rotation_role_arns     = [module.estate.rotation_role_arn]
  tags                   = { "byok:environment" = var.environment }
}
