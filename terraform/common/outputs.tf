output "keys" {
  description = "Key => ARNs, aliases, active generation and resource group (see terraform/estate)."
  value       = module.estate.keys
}

output "bindings" {
  description = "Bound resource => key, generation and key ARN."
  value       = module.estate.bindings
}

output "rotation_role_arn" {
  description = "Role byok assumes to import and rotate material."
  value       = module.estate.rotation_role_arn
}
