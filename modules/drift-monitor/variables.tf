variable "name" {
  description = "Prefix of every resource name (functions, role, topic, schedule, Config rule)."
  type        = string
  default     = "byok-drift"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,40}$", var.name))
    error_message = "name must be 1-40 letters, digits or dashes (it prefixes Lambda and IAM names)."
  }
}

variable "lambda_zip_path" {
  description = "Path of the zip built by `python -m byok.monitor.package --out dist/drift-monitor.zip`."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime. The package needs Python 3.11 or later; provider 3.39.0 (the offline one) only knows up to python3.8, which is enough for the local endpoint because it never runs the code."
  type        = string
  default     = "python3.11"
}

variable "environments" {
  description = "Environment name -> the `keys` map of its rendered tfvars (terraform/<env>/byok.auto.tfvars): the intent the drift check compares against."
  type        = any
}

variable "regions" {
  description = "Regions to scan; empty means the region the monitor is deployed in."
  type        = list(string)
  default     = []
}

variable "horizon_days" {
  description = "Report materials that expire within this many days."
  type        = number
  default     = 30
}

variable "schedule_expression" {
  description = "When the nightly drift check runs (EventBridge schedule, UTC)."
  type        = string
  default     = "cron(0 3 * * ? *)"
}

variable "report_threshold" {
  description = "Lowest severity sent to Security Hub and counted in the notification (critical, high, medium, low, info)."
  type        = string
  default     = "medium"

  validation {
    condition     = contains(["critical", "high", "medium", "low", "info"], var.report_threshold)
    error_message = "report_threshold must be one of critical, high, medium, low, info."
  }
}

variable "security_hub_enabled" {
  description = "Import findings into Security Hub (BatchImportFindings); Security Hub must be enabled in the account."
  type        = bool
  default     = true
}

variable "topic_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the notification topic (its policy must let this function and SNS use it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.topic_kms_key_arn))
    error_message = "topic_kms_key_arn must be a KMS key ARN (arn:aws:kms:...)."
  }
}

variable "email_addresses" {
  description = "Addresses subscribed to the notification topic (each must confirm the subscription)."
  type        = set(string)
  default     = []
}

variable "config_resource_types" {
  description = "Resource types the AWS Config rule evaluates: those AWS Config records and the drift collectors read."
  type        = list(string)
  default = [
    "AWS::DynamoDB::Table",
    "AWS::EC2::Volume",
    "AWS::EFS::FileSystem",
    "AWS::Lambda::Function",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBClusterSnapshot",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBSnapshot",
    "AWS::S3::Bucket",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret",
  ]
}

variable "config_rule_frequency" {
  description = "How often AWS Config re-evaluates every resource, so a generation retired since a resource last changed is caught."
  type        = string
  default     = "TwentyFour_Hours"

  validation {
    condition     = contains(["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"], var.config_rule_frequency)
    error_message = "config_rule_frequency must be One_Hour, Three_Hours, Six_Hours, Twelve_Hours or TwentyFour_Hours."
  }
}

variable "timeout_seconds" {
  description = "Lambda timeout: a live scan of a large account takes minutes."
  type        = number
  default     = 600
}

variable "tags" {
  description = "Tags for every resource that takes tags."
  type        = map(string)
  default     = {}
}

variable "aggregator" {
  description = "Run organisation-wide: an AWS Config aggregator over the organisation (scope = \"organization\") or over listed accounts (scope = \"accounts\", account_ids), in the listed regions (empty: all regions), which the nightly check queries (SelectAggregateResourceConfig) instead of calling every account's APIs. Deploy the module in the delegated administrator account of Config and Security Hub, in the first of var.regions. null: check this account only."
  type = object({
    scope       = string
    account_ids = optional(list(string), [])
    regions     = optional(list(string), [])
  })
  default = null

  validation {
    condition     = var.aggregator == null || contains(["organization", "accounts"], try(var.aggregator.scope, ""))
    error_message = "aggregator.scope must be \"organization\" or \"accounts\"."
  }

  validation {
    condition     = var.aggregator == null || try(var.aggregator.scope, "") != "accounts" || length(try(var.aggregator.account_ids, [])) > 0
    error_message = "aggregator.scope = \"accounts\" needs aggregator.account_ids."
  }
}

variable "member_role_name" {
  description = "Role the organisation-wide check assumes in member accounts to read what Config cannot give: every imported key's materials (ListKeyRotations) and the types Config does not record (log groups, EBS snapshots). null: those are reported as gaps (BYOK-D013)."
  type        = string
  default     = null
}

variable "config_max_age_hours" {
  description = "Hours after which an account-region's aggregated Config data counts as stale and its APIs are scanned instead (needs member_role_name)."
  type        = number
  default     = 24
}
