resource "aws_ebs_volume" "this" {
  availability_zone = var.availability_zone
  size              = var.size_gib
  type              = var.volume_type
  encrypted         = true
  # EBS keeps the key it was created with: a different kms_key_id replaces the volume. Pin the
  # generation (generation_arns[N]) instead of following the active key.
  kms_key_id = var.kms_key_arn
  tags       = merge(var.tags, var.key_tags)
}
