variable "kms_key_arn" {
  description = "ARN of the KMS key, taken from the kms-external-key module's outputs (key_arn or generation_arns[N]), never a literal ID."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:...): pass the key module's output."
  }
}

variable "key_tags" {
  description = "The key module's binding_tags[N] (byok:key, byok:generation): lets the key's resource group and the drift checker find this resource."
  type        = map(string)
}

variable "tags" {
  description = "Extra tags for the resource."
  type        = map(string)
  default     = {}
}

variable "availability_zone" {
  description = "Availability zone of the volume."
  type        = string
}

variable "size_gib" {
  description = "Size of the volume in GiB."
  type        = number
  default     = 8
}

variable "volume_type" {
  description = "EBS volume type."
  type        = string
  default     = "gp3"
}
