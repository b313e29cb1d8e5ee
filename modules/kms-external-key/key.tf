# What modules/spec and modules/names take, one object each; modules/multi-region links this file (as it does
# variables.tf), so both public modules hand them the same. aws_kms_external_key.this is the primary key(s) in both.
locals {
  key = {
    name                    = var.name
    description             = var.description
    strategy                = var.strategy
    max_age_days            = var.max_age_days
    generations             = var.generations
    deletion_window_in_days = var.deletion_window_in_days
    key_administrator_arns  = var.key_administrator_arns
    key_user_arns           = var.key_user_arns
    rotation_role_arns      = var.rotation_role_arns
    tags                    = var.tags
  }

  names = {
    name                   = var.name
    alias_name             = module.spec.alias_name
    generation_alias_names = module.spec.generation_alias_names
    key_ids                = { for g, address in module.spec.key_address : g => aws_kms_external_key.this[address].id }
    active_generation      = module.spec.active_generation
    tags                   = merge(var.tags, module.spec.identity_tags)
  }
}
