provider "aws" {
  region = "eu-central-1"
}

data "aws_caller_identity" "current" {}

module "key" {
  source = "../../../kms-external-key"

  name                   = "example-rds"
  description            = "Example rds key"
  generations            = { "1" = { state = "active", created = "2026-11-28" } }
  key_administrator_arns = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
}

module "rds" {
  source = "../.."

  # Always from the key module's outputs: never a literal key ID.
  kms_key_arn = module.key.generation_arns["1"]
  key_tags    = module.key.binding_tags["1"]
  # RDS keeps its key: pin the generation.
  kind            = "cluster"
  identifier      = "example-byok"
  engine          = "aurora-postgresql"
  master_password = var.master_password
}

variable "master_password" {
  description = "Master password, e.g. TF_VAR_master_password from the secret store."
  type        = string
  sensitive   = true
}
