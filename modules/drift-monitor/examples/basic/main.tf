provider "aws" {
  region = "eu-central-1"
}

variable "lambda_zip_path" {
  description = "The zip built by `python -m byok.monitor.package --out dist/drift-monitor.zip`."
  type        = string
  default     = "../../../../dist/drift-monitor.zip"
}

variable "lambda_runtime" {
  description = "python3.11 on real AWS (provider >= 4.x). The default satisfies the offline provider 3.39.0, which this example is planned with and which predates python3.9."
  type        = string
  default     = "python3.8"
}

data "aws_caller_identity" "current" {}

module "topic_key" {
  source = "../../../kms-external-key"

  name                   = "example-drift-notifications"
  description            = "Encrypts the drift monitor's notifications"
  generations            = { "1" = { state = "active", created = "2026-11-28" } }
  key_administrator_arns = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
}

module "drift_monitor" {
  source = "../.."

  lambda_zip_path   = var.lambda_zip_path
  runtime           = var.lambda_runtime
  topic_kms_key_arn = module.topic_key.key_arn
  horizon_days      = 30

  # The `keys` map of each environment's rendered tfvars (terraform/<env>/byok.auto.tfvars).
  environments = {
    dev = {
      s3 = {
        alias        = "dev-s3"
        strategy     = "alias-swap"
        max_age_days = 365
        description  = "dev S3 buckets"
        generations = {
          "1" = { state = "retiring", created = "2026-01-10", material_id = "", check_value = "" }
          "2" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }
        }
      }
    }
  }
}

output "function_arn" {
  value = module.drift_monitor.function_arn
}

output "topic_arn" {
  value = module.drift_monitor.topic_arn
}

output "rule_name" {
  value = module.drift_monitor.rule_name
}
