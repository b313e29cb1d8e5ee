output "table_name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the table."
  value       = aws_dynamodb_table.this.arn
}

output "kms_key_arn" {
  description = "The key the table is encrypted with."
  value       = var.kms_key_arn
}
