output "queue_url" {
  description = "URL of the queue."
  value       = aws_sqs_queue.this.id
}

output "queue_arn" {
  description = "ARN of the queue."
  value       = aws_sqs_queue.this.arn
}

output "kms_key_arn" {
  description = "The key the queue encrypts messages with."
  value       = aws_sqs_queue.this.kms_master_key_id
}
