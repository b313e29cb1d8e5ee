output "alias_name" {
  description = "The primary alias, alias/<name>."
  value       = aws_kms_alias.primary.name
}

output "generation_alias_names" {
  description = "Generation => alias/<name>-g<N> (alias-swap only; empty in place)."
  value       = { for g, alias in aws_kms_alias.generation : g => alias.name }
}

output "resource_group_name" {
  description = "Resource group listing every resource tagged with this key's name."
  value       = aws_resourcegroups_group.this.name
}
