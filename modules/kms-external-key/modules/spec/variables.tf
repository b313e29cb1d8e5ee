variable "key" {
  description = "The inputs of kms-external-key (validated there, with their defaults applied)."
  type = object({
    name        = string
    description = string
    strategy    = string
    generations = map(object({
      state       = string
      created     = string
      material_id = optional(string, "")
      check_value = optional(string, "")
      strategy    = optional(string)
    }))
    max_age_days            = number
    deletion_window_in_days = number
    key_administrator_arns  = list(string)
    key_user_arns           = list(string)
    rotation_role_arns      = list(string)
    tags                    = map(string)
  })
}

variable "replica_regions" {
  description = "Regions that hold a replica of every key (multi-Region keys); empty for a single-Region key."
  type        = list(string)
  default     = []

  validation {
    condition     = length(distinct(var.replica_regions)) == length(var.replica_regions)
    error_message = "Each replica Region may be listed once: KMS allows one replica of a key per Region."
  }

  validation {
    condition     = alltrue([for r in var.replica_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "Replica Regions must be Region codes such as eu-west-1."
  }
}
