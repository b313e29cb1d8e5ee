output "key_arn" {
  description = "ARN of the active generation's key: what bindings that follow the active generation use."
  value       = aws_kms_external_key.this[local.key_address[local.active_generation]].arn
}

output "key_id" {
  description = "Key ID of the active generation's key."
  value       = aws_kms_external_key.this[local.key_address[local.active_generation]].id
}

output "active_generation" {
  description = "The generation whose state is active."
  value       = local.active_generation
}

output "generation_arns" {
  description = "Generation => key ARN (in place, every generation maps to the one key)."
  value       = { for g, address in local.key_address : g => aws_kms_external_key.this[address].arn }
}

output "alias_name" {
  description = "The primary alias, alias/<name>."
  value       = aws_kms_alias.primary.name
}

output "generation_alias_names" {
  description = "Generation => alias/<name>-g<N> (alias-swap only; empty in place)."
  value       = { for g, alias in aws_kms_alias.generation : g => alias.name }
}

output "binding_tags" {
  description = "Generation => the tags a resource encrypted under that generation carries (byok:key, byok:generation)."
  value       = { for g in keys(var.generations) : g => { "byok:key" = var.name, "byok:generation" = g } }
}

output "resource_group_name" {
  description = "Resource group listing every resource tagged with this key's name."
  value       = aws_resourcegroups_group.this.name
}
