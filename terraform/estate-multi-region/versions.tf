terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # modules/kms-external-key/modules/multi-region: aws_kms_replica_external_key and per-resource region.
      version = ">= 6.0"
    }
  }
}
