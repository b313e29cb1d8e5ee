variable "environment" {
  description = "Environment name (dev, int, prod): prefixes every name and tags every resource."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.environment))
    error_message = "environment must be lower-case letters, digits and dashes, at most 16 characters."
  }
}

variable "keys" {
  description = "Rendered by byok: key => { alias, strategy, max_age_days, description, generations }."
  type = map(object({
    alias        = string
    strategy     = string
    max_age_days = number
    description  = string
    generations = map(object({
      state       = string
      created     = string
      material_id = optional(string, "")
      check_value = optional(string, "")
    }))
  }))
}

variable "bindings" {
  description = "Rendered by byok: bound resource => { key, generation }; generation null follows the key's active generation."
  type = map(object({
    key        = string
    generation = optional(string)
  }))

  validation {
    condition     = alltrue([for name in keys(var.bindings) : contains(["s3", "dynamodb", "rds", "ebs", "sqs", "secrets"], name)])
    error_message = "Binding names must be among s3, dynamodb, rds, ebs, sqs, secrets: the estate has one resource of each."
  }
}

variable "key_administrator_arns" {
  description = "Key administrators; empty means the account root (IAM policies then decide)."
  type        = list(string)
  default     = []
}

variable "key_user_arns" {
  description = "Key users; empty means the account root (IAM policies then decide)."
  type        = list(string)
  default     = []
}

variable "disposable" {
  description = "Sandbox estate: buckets and databases may be destroyed with their data."
  type        = bool
  default     = false
}

variable "database_password" {
  description = "Master password of the estate's database, from the CI secret store."
  type        = string
  sensitive   = true
}
