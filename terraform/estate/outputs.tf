output "keys" {
  description = "Key => { key_arn, key_id, alias_name, active_generation, generation_arns, generation_alias_names, resource_group_name, account, region, replica_regions }."
  value = {
    for name, key in module.key : name => {
      account                = data.aws_caller_identity.current.account_id
      region                 = data.aws_region.current.name
      replica_regions        = var.keys[name].replica_regions
      key_arn                = key.key_arn
      key_id                 = key.key_id
      alias_name             = key.alias_name
      active_generation      = key.active_generation
      generation_arns        = key.generation_arns
      generation_alias_names = key.generation_alias_names
      resource_group_name    = key.resource_group_name
    }
  }

  precondition {
    condition     = alltrue([for k in var.keys : contains(["", data.aws_caller_identity.current.account_id], k.account)])
    error_message = "A key names another account than this root's provider: plan it with a provider (credentials or assumed role) in that account, or correct its account in the tfvars."
  }

  precondition {
    condition     = alltrue([for k in var.keys : contains(["", data.aws_region.current.name], k.region)])
    error_message = "A key names another region than this root's provider: plan it with a provider in that region (-var region=...), or correct its region in the tfvars."
  }

  precondition {
    condition     = alltrue([for k in var.keys : length(k.replica_regions) == 0])
    error_message = "A key with replica_regions is a multi-Region key, which this estate cannot declare: it plans with AWS provider 3.39, which lacks aws_kms_replica_external_key. Link the environment's root to terraform/common-multi-region (AWS provider >= 6), which declares its replicas."
  }
}

output "bindings" {
  description = "Bound resource => { key, generation, pinned, kms_key_arn }: what the drift checker compares."
  value = {
    for name, b in local.bound : name => {
      key         = b.key
      generation  = b.generation
      pinned      = b.pinned
      kms_key_arn = b.kms_key_arn
    }
  }

  precondition {
    condition     = alltrue([for b in var.bindings : contains(keys(local.key_refs), b.key)])
    error_message = "Every binding must name a key declared in keys."
  }

  precondition {
    condition     = alltrue([for b in local.bound : b.kms_key_arn != null])
    error_message = "Every pinned binding generation must be listed in its key's generations."
  }
}

output "rotation_role_arn" {
  description = "Role that byok rotate/retire assumes to import and rotate material."
  value       = aws_iam_role.rotation.arn
}
