output "volume_id" {
  description = "ID of the volume."
  value       = aws_ebs_volume.this.id
}

output "volume_arn" {
  description = "ARN of the volume."
  value       = aws_ebs_volume.this.arn
}

output "kms_key_arn" {
  description = "The key the volume is encrypted with."
  value       = aws_ebs_volume.this.kms_key_id
}
