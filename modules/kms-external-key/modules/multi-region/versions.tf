terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # aws_kms_replica_external_key, multi_region and the per-resource region argument (provider 6).
      version = ">= 6.0"
    }
  }
}
