output "keys" {
  description = "Key => { key_arn, key_id, alias_name, active_generation, generation_arns, generation_alias_names, resource_group_name }."
  value = {
    for name, key in module.key : name => {
      key_arn                = key.key_arn
      key_id                 = key.key_id
      alias_name             = key.alias_name
      active_generation      = key.active_generation
      generation_arns        = key.generation_arns
      generation_alias_names = key.generation_alias_names
      resource_group_name    = key.resource_group_name
    }
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
    condition     = alltrue([for b in var.bindings : contains(keys(var.keys), b.key)])
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
