# This module's one input of its own; variables.tf is kms-external-key's (a link), the inputs the two share.
variable "replica_regions" {
  description = "Regions that get a replica of every key of this byok key (at least one; the primary Region is the provider's)."
  type        = list(string)

  validation {
    condition     = length(var.replica_regions) > 0
    error_message = "A multi-Region key needs at least one replica Region; use kms-external-key for a single Region."
  }
}
