# A disaster-recovery key: primary in eu-central-1, replicas in eu-west-1 and us-east-1, rotated in place.
# Needs AWS provider >= 6.0 (the replicas use the per-resource region argument).
provider "aws" {
  region = "eu-central-1"
}

data "aws_caller_identity" "current" {}

module "key" {
  source = "../.."

  name            = "example-dr"
  description     = "Example multi-Region data key"
  replica_regions = ["eu-west-1", "us-east-1"]
  generations = {
    "1" = { state = "retiring", created = "2025-11-28" }
    "2" = { state = "active", created = "2026-11-28" }
  }
  key_administrator_arns = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
}

output "key_id" {
  value = module.key.key_id
}

output "replica_arns" {
  value = module.key.replica_arns
}
