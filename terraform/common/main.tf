# Shared by terraform/dev, int and prod (each links to this file); what differs per environment lives
# in its byok.auto.tfvars (rendered by byok) and env.auto.tfvars.
locals {
  local_endpoint = var.aws_endpoint != null
}

# Provider 3.x syntax (the lock file pins 3.39.0, the only provider reachable offline). With provider
# 5.x, s3_force_path_style becomes s3_use_path_style and skip_get_ec2_platforms goes away.
provider "aws" {
  region                      = var.region
  access_key                  = local.local_endpoint ? "sandbox" : null
  secret_key                  = local.local_endpoint ? "sandbox" : null
  skip_credentials_validation = local.local_endpoint
  skip_metadata_api_check     = local.local_endpoint
  skip_region_validation      = local.local_endpoint
  skip_get_ec2_platforms      = local.local_endpoint
  s3_force_path_style         = local.local_endpoint

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
  source = "../estate"

  environment       = var.environment
  keys              = var.keys
  bindings          = var.bindings
  disposable        = var.disposable
  database_password = var.database_password
}
