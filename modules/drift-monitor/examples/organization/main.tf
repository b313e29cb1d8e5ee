# The organisation-wide monitor, deployed in the delegated administrator account of AWS Config and Security Hub:
# the nightly check queries the organisation's aggregator and imports every account's findings here.
provider "aws" {
  region = "eu-central-1"
}

variable "lambda_zip_path" {
  description = "The zip built by `python -m byok.monitor.package --out dist/drift-monitor.zip`."
  type        = string
  default     = "../../../../dist/drift-monitor.zip"
}

variable "lambda_runtime" {
  description = "python3.11 on real AWS (provider >= 4.x); the offline provider 3.39.0 predates python3.9."
  type        = string
  default     = "python3.8"
}

variable "topic_kms_key_arn" {
  description = "Key that encrypts the notification topic (see examples/basic for one made by kms-external-key)."
  type        = string
  default     = "arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555"
}

module "drift_monitor" {
  source = "../.."

  name              = "byok-org-drift"
  lambda_zip_path   = var.lambda_zip_path
  runtime           = var.lambda_runtime
  topic_kms_key_arn = var.topic_kms_key_arn
  regions           = ["eu-central-1", "eu-west-1"]

  aggregator = {
    scope   = "organization"
    regions = ["eu-central-1", "eu-west-1"]
  }
  member_role_name     = "byok-drift-scan"
  config_max_age_hours = 6

  environments = {
    prod = {
      rds = {
        alias        = "prod-rds"
        strategy     = "alias-swap"
        max_age_days = 365
        generations = {
          "1" = { state = "active", created = "2026-11-28" }
        }
      }
    }
  }
}

output "aggregator_name" {
  value = module.drift_monitor.aggregator_name
}
