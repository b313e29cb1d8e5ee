output "key_arn" {
  description = "ARN of the active generation's primary key."
  value       = aws_kms_external_key.this[module.spec.key_address[module.spec.active_generation]].arn
}

output "key_id" {
  description = "Key ID of the active generation's key: the same (mrk-...) in every Region."
  value       = aws_kms_external_key.this[module.spec.key_address[module.spec.active_generation]].id
}

output "active_generation" {
  description = "The generation whose state is active."
  value       = module.spec.active_generation
}

output "generation_arns" {
  description = "Generation => primary key ARN (in place, the one key, or the key of the alias-swap generation a budget swap started)."
  value       = { for g, address in module.spec.key_address : g => aws_kms_external_key.this[address].arn }
}

output "replica_arns" {
  description = "Generation => Region => replica key ARN."
  value = {
    for g, address in module.spec.key_address : g => {
      for region in var.replica_regions : region => aws_kms_replica_external_key.this["${address}/${region}"].arn
    }
  }
}

output "alias_name" {
  description = "The primary alias, alias/<name>, in the primary and every replica Region."
  value       = module.names.alias_name
}

output "generation_alias_names" {
  description = "Generation => alias/<name>-g<N> (every alias-swap generation: all of an alias-swap key's, an in-place key's budget swaps), in every Region."
  value       = module.names.generation_alias_names
}

output "binding_tags" {
  description = "Generation => the tags a resource encrypted under that generation carries (byok:key, byok:generation)."
  value       = module.spec.binding_tags
}

output "resource_group_name" {
  description = "Resource group (primary Region) listing every resource tagged with this key's name."
  value       = module.names.resource_group_name
}
