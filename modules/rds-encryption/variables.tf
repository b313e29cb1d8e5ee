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

variable "kind" {
  description = "\"instance\" (aws_db_instance) or \"cluster\" (aws_rds_cluster, Aurora)."
  type        = string
  default     = "instance"

  validation {
    condition     = contains(["instance", "cluster"], var.kind)
    error_message = "kind must be \"instance\" or \"cluster\"."
  }
}

variable "identifier" {
  description = "DB instance or cluster identifier."
  type        = string
}

variable "engine" {
  description = "Database engine (postgres, mysql, aurora-postgresql, ...)."
  type        = string
  default     = "postgres"
}

variable "engine_version" {
  description = "Engine version; null lets RDS choose its default."
  type        = string
  default     = null
}

variable "instance_class" {
  description = "Instance class (kind = instance)."
  type        = string
  default     = "db.t3.micro"
}

variable "allocated_storage_gib" {
  description = "Storage in GiB (kind = instance)."
  type        = number
  default     = 20
}

variable "master_username" {
  description = "Master user name."
  type        = string
  default     = "byok"
}

variable "master_password" {
  description = "Master password, from a secret store (e.g. TF_VAR_...), never committed."
  type        = string
  sensitive   = true
}

variable "skip_final_snapshot" {
  description = "Skip the final snapshot on destroy (sandboxes only)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Refuse deletion of the database; keep it on outside sandboxes."
  type        = bool
  default     = true
}
