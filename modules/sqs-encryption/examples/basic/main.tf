provider "aws" {
  region = "eu-central-1"
}

data "aws_caller_identity" "current" {}

module "key" {
  source = "../../../kms-external-key"

  name                   = "example-sqs"
  description            = "Example sqs key"
  generations            = { "1" = { state = "active", created = "2026-11-28" } }
  key_administrator_arns = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
}

module "sqs" {
  source = "../.."

  # Always from the key module's outputs: never a literal key ID.
  kms_key_arn = module.key.key_arn
  key_tags    = module.key.binding_tags["1"]
  queue_name  = "example-byok-events"
}
