output "secret_arn" {
  description = "ARN of the secret."
  value       = aws_secretsmanager_secret.this.arn
}

output "kms_key_arn" {
  description = "The key the secret's new versions are encrypted with."
  value       = aws_secretsmanager_secret.this.kms_key_id
}
