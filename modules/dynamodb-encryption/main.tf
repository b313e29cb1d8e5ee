resource "aws_dynamodb_table" "this" {
  name         = var.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = var.hash_key
  tags         = merge(var.tags, var.key_tags)

  attribute {
    name = var.hash_key
    type = "S"
  }

  # DynamoDB switches to a new key in place: changing kms_key_arn is an update, not a replacement.
  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}
