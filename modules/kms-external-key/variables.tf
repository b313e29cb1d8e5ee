# Shared by modules/multi-region, whose variables.tf links here.
variable "name" {
  description = "Key name, e.g. \"dev-s3\": the primary alias is alias/<name> and every tag and group carries it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9/_-]+$", var.name)) && !startswith(var.name, "aws/")
    error_message = "The name must be a valid KMS alias suffix (letters, digits, / _ -) and must not start with aws/."
  }
}

variable "description" {
  description = "Key description shown in KMS."
  type        = string
}

variable "strategy" {
  description = "in-place: one key whose imported material rotates. alias-swap: one key per generation, alias/<name> on the active one."
  type        = string
  default     = "in-place"

  validation {
    condition     = contains(["in-place", "alias-swap"], var.strategy)
    error_message = "The strategy must be \"in-place\" or \"alias-swap\"."
  }
}

variable "max_age_days" {
  description = "Rotation period: the next-due tag is the active generation's creation date plus this."
  type        = number
  default     = 365

  validation {
    condition     = var.max_age_days >= 1 && floor(var.max_age_days) == var.max_age_days
    error_message = "max_age_days must be a whole number of days, at least 1."
  }
}

variable "generations" {
  description = "Generation number => { state = pending|active|retiring|retired, created = YYYY-MM-DD, material_id, check_value, strategy (optional: \"alias-swap\" gives that generation a new key) }."
  type = map(object({
    state       = string
    created     = string
    material_id = optional(string, "")
    check_value = optional(string, "")
    strategy    = optional(string)
  }))

  validation {
    condition     = alltrue([for g, v in var.generations : can(regex("^[1-9][0-9]*$", g))])
    error_message = "Generation keys must be positive whole numbers written as strings (\"1\", \"2\", ...)."
  }

  validation {
    condition     = alltrue([for v in var.generations : contains(["pending", "active", "retiring", "retired"], v.state)])
    error_message = "Each generation's state must be pending, active, retiring or retired."
  }

  validation {
    condition     = length([for v in var.generations : v if v.state == "active"]) == 1
    error_message = "Exactly one generation must be active."
  }

  validation {
    condition     = alltrue([for v in var.generations : contains(["alias-swap"], coalesce(v.strategy, "alias-swap"))])
    error_message = "A generation's own strategy may only be \"alias-swap\" (a new key for that generation, e.g. when the key's 25 on-demand rotations are spent); leave it out to follow the key's strategy."
  }

  validation {
    condition     = alltrue([for v in var.generations : can(formatdate("YYYY-MM-DD", "${v.created}T00:00:00Z"))])
    error_message = "Each generation's created date must be YYYY-MM-DD."
  }
}

variable "deletion_window_in_days" {
  description = "Waiting period before KMS deletes a key Terraform destroys."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 30
    error_message = "The deletion window must be at least 30 days: a key deleted too early makes its ciphertexts unrecoverable."
  }

  validation {
    condition     = var.deletion_window_in_days <= 30
    error_message = "KMS allows at most 30 days, so 30 is the only accepted value."
  }
}

variable "key_administrator_arns" {
  description = "Principals that manage the key (policy, tags, aliases, deletion) but cannot use it for cryptography."
  type        = list(string)

  validation {
    condition     = length(var.key_administrator_arns) > 0
    error_message = "At least one key administrator is required, or the key becomes unmanageable."
  }
}

variable "key_user_arns" {
  description = "Principals that encrypt and decrypt with the key, and let AWS services create grants on it."
  type        = list(string)
  default     = []
}

variable "rotation_role_arns" {
  description = "Principals that import, rotate and delete key material (byok rotate/retire); they cannot decrypt."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
}
