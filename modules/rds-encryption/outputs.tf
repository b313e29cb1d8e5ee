output "arn" {
  description = "ARN of the DB instance or cluster."
  value       = one(concat(aws_db_instance.this[*].arn, aws_rds_cluster.this[*].arn))
}

output "identifier" {
  description = "Identifier of the DB instance or cluster."
  value       = var.identifier
}

output "kms_key_arn" {
  description = "The key the storage is encrypted with, as RDS resolved it."
  value       = one(concat(aws_db_instance.this[*].kms_key_id, aws_rds_cluster.this[*].kms_key_id))
}
