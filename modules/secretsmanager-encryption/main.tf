resource "aws_secretsmanager_secret" "this" {
  name = var.secret_name
  # New secret versions use the new key at once; existing versions keep the key they were written with.
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = merge(var.tags, var.key_tags)
}
