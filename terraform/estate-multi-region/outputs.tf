output "keys" {
  description = "Key => what ../estate's keys output says of a key; a multi-Region key also has replica_arns (generation => Region => replica ARN)."
  value = merge(module.estate.keys, {
    for name, key in module.multi_region_key : name => merge(
      { for attribute, value in key : attribute => value if attribute != "binding_tags" },
      {
        account         = data.aws_caller_identity.current.account_id
        region          = data.aws_region.current.name
        replica_regions = var.keys[name].replica_regions
      },
    )
  })

  precondition {
    condition     = alltrue([for k in local.multi_region : contains(["", data.aws_caller_identity.current.account_id], k.account)])
    error_message = "A multi-Region key names another account than this root's provider: plan it with a provider (credentials or assumed role) in that account, or correct its account in the tfvars."
  }

  precondition {
    condition     = alltrue([for k in local.multi_region : k.region == data.aws_region.current.name])
    error_message = "A multi-Region key's primary region is not this root's provider Region: plan it with a provider there (-var region=...), or correct its region in the tfvars."
  }
}

output "bindings" {
  description = "Bound resource => { key, generation, pinned, kms_key_arn } (see ../estate)."
  value       = module.estate.bindings
}

output "rotation_role_arn" {
  description = "Role that byok rotate/retire assumes to import and rotate material (in the primary and every replica Region)."
  value       = module.estate.rotation_role_arn
}
