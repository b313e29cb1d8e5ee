variable "environment" {
  description = "Environment name (dev, int, prod): prefixes every name and tags every resource."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.environment))
    error_message = "environment must be lower-case letters, digits and dashes, at most 16 characters."
  }
}

variable "keys" {
  description = "Rendered by byok: key => { alias, strategy, max_age_days, description, account, region, replica_regions, generations }."
  type = map(object({
    alias        = string
    strategy     = string
    max_age_days = number
    description  = string
    # Where the key lives; empty: the account and Region of this root's provider. A key elsewhere is refused
    # (the keys output), never created in the wrong place. replica_regions: estate-multi-region only.
    account         = optional(string, "")
    region          = optional(string, "")
    replica_regions = optional(list(string), [])
    generations = map(object({
      state       = string
      created     = string
      material_id = optional(string, "")
      check_value = optional(string, "")
      strategy    = optional(string) # "alias-swap": a new key for this generation (rotation budget spent)
    }))
  }))

  validation {
    condition     = alltrue([for k in var.keys : can(regex("^([0-9]{12})?$", k.account))])
    error_message = "A key's account must be 12 digits (or left out: the provider's account)."
  }

  validation {
    condition     = alltrue([for k in var.keys : alltrue([for r in concat([k.region], k.replica_regions) : r == "" || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])])
    error_message = "A key's region and replica_regions must be Region codes such as eu-west-1."
  }

  validation {
    condition     = alltrue([for k in var.keys : length(k.replica_regions) == 0 || (k.region != "" && !contains(k.replica_regions, k.region) && length(distinct(k.replica_regions)) == length(k.replica_regions))])
    error_message = "A multi-Region key must name its primary region, and its replica_regions must differ from it and from each other."
  }
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
