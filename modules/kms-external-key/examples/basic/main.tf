# An alias-swap key in its second rotation: generation 1 still decrypts, generation 2 is active and
# carries alias/example-app, generation 3 is declared and waits for its material.
provider "aws" {
  region = "eu-central-1"
}

data "aws_caller_identity" "current" {}

module "key" {
  source = "../.."

  name        = "example-app"
  description = "Example application data key"
  strategy    = "alias-swap"
  generations = {
    "1" = { state = "retiring", created = "2025-11-28", material_id = "", check_value = "" }
    "2" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }
    "3" = { state = "pending", created = "2026-11-28" }
  }
  key_administrator_arns = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
}

output "key_arn" {
  value = module.key.key_arn
}

output "generation_arns" {
  value = module.key.generation_arns
}
