resource "aws_sqs_queue" "this" {
  name = var.queue_name
  # SQS switches keys in place; messages already queued stay readable while the old key decrypts.
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.data_key_reuse_seconds
  tags                              = merge(var.tags, var.key_tags)
}
