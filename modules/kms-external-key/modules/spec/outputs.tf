output "active_generation" {
  description = "The generation whose state is active."
  value       = local.active_generation
}

output "keys" {
  description = "Key address (\"key\" in place, the generation number in alias-swap and for an in-place key's alias-swap generation) => { generation, tags }."
  value       = local.keys
}

output "key_address" {
  description = "Generation => the address of its key in keys (in place, \"key\" until an alias-swap generation, then that generation's key)."
  value       = local.key_address
}

output "replica_keys" {
  description = "\"<key address>/<region>\" => { address, region, tags }: one replica of each key per replica Region."
  value       = local.replica_keys
}

output "alias_name" {
  description = "The primary alias, alias/<name>."
  value       = local.alias_name
}

output "generation_alias_names" {
  description = "Generation => alias/<name>-g<N>, for every alias-swap generation (all of an alias-swap key's)."
  value       = local.generation_alias_names
}

output "replica_aliases" {
  description = "\"<region>/<alias>\" => { region, name, replica_key }: every alias again in each replica Region."
  value       = local.replica_aliases
}

output "identity_tags" {
  description = "byok:key and byok:strategy: the tags every resource of the key carries."
  value       = local.identity_tags
}

output "binding_tags" {
  description = "Generation => the tags a resource encrypted under that generation carries (byok:key, byok:generation)."
  value       = { for g in keys(var.key.generations) : g => { "byok:key" = var.key.name, "byok:generation" = g } }
}

output "policy_json" {
  description = "The key policy: administrators, users (and grants for AWS services), the rotation role."
  value       = data.aws_iam_policy_document.key.json
}
