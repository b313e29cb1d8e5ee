# The root of an environment whose keys include multi-Region keys (replica_regions): link its main.tf,
# variables.tf, outputs.tf and versions.tf here instead of ../common. Needs AWS provider >= 6, which cannot be
# installed offline: the offline roots (../common) refuse a key with replica_regions rather than drop it.
locals {
  local_endpoint = var.aws_endpoint != null
}

# Provider 6.x syntax (../common has the 3.x one).
provider "aws" {
  region                      = var.region
  access_key                  = local.local_endpoint ? "sandbox" : null
  secret_key                  = local.local_endpoint ? "sandbox" : null
  skip_credentials_validation = local.local_endpoint
  skip_metadata_api_check     = local.local_endpoint
  skip_region_validation      = local.local_endpoint
  s3_use_path_style           = local.local_endpoint

  dynamic "endpoints" {
    for_each = local.local_endpoint ? [var.aws_endpoint] : []
    content {
      kms              = endpoints.value
      s3               = endpoints.value
      dynamodb         = endpoints.value
      rds              = endpoints.value
      ec2              = endpoints.value
      sqs              = endpoints.value
      secretsmanager   = endpoints.value
      sts              = endpoints.value
      iam              = endpoints.value
      resourcegroups   = endpoints.value
      cloudwatchevents = endpoints.value
      lambda           = endpoints.value
      configservice    = endpoints.value
      sns              = endpoints.value
    }
  }
}

module "estate" {
  source = "../estate-multi-region"

  environment       = var.environment
  keys              = var.keys
  bindings          = var.bindings
  disposable        = var.disposable
  database_password = var.database_password
}
