variable "environment" {
  description = "Environment name; set in byok.auto.tfvars."
  type        = string
}

variable "keys" {
  description = "Keys and their generations, rendered by byok into byok.auto.tfvars; typed and validated by the estate module."
  type        = any
}

variable "bindings" {
  description = "Bound resources and the key generation each uses, rendered by byok into byok.auto.tfvars."
  type        = any
}

variable "region" {
  description = "AWS region of the security account's keys."
  type        = string
  default     = "eu-central-1"
}

variable "aws_endpoint" {
  description = "null for real AWS; a URL (e.g. http://127.0.0.1:PORT) to point every service at a local endpoint with fake credentials."
  type        = string
  default     = null
}

variable "disposable" {
  description = "Sandbox estate whose data may be destroyed; set per environment in env.auto.tfvars."
  type        = bool
  default     = false
}

variable "database_password" {
  description = "Master password of the estate's database: pass it as TF_VAR_database_password from the secret store."
  type        = string
  sensitive   = true
}
