# Each binding resolves to the key ARN of one generation: the pinned one, or the active one when
# generation is null. try() keeps a wrong reference from failing here, so that the precondition on
# the "bindings" output can name it.
locals {
  # What a binding needs of a key, from this estate's keys or from the multi-Region keys declared beside it.
  key_refs = merge(
    { for name, key in module.key : name => { active_generation = key.active_generation, generation_arns = key.generation_arns, binding_tags = key.binding_tags } },
    var.multi_region_keys,
  )
  bindings = {
    for name, b in var.bindings : name => {
      key        = b.key
      generation = try(coalesce(b.generation, local.key_refs[b.key].active_generation), null)
      pinned     = b.generation != null
    }
  }
  bound = {
    for name, b in local.bindings : name => merge(b, {
      kms_key_arn = try(local.key_refs[b.key].generation_arns[b.generation], null)
      key_tags    = try(local.key_refs[b.key].binding_tags[b.generation], {})
    })
  }
}

module "s3" {
  source   = "../../modules/s3-encryption"
  for_each = { for name, b in local.bound : name => b if name == "s3" }

  bucket_name   = "${local.prefix}-data-${data.aws_caller_identity.current.account_id}"
  force_destroy = var.disposable
  kms_key_arn   = each.value.kms_key_arn
  key_tags      = each.value.key_tags
  tags          = local.tags
}

module "dynamodb" {
  source   = "../../modules/dynamodb-encryption"
  for_each = { for name, b in local.bound : name => b if name == "dynamodb" }

  table_name  = "${local.prefix}-items"
  kms_key_arn = each.value.kms_key_arn
  key_tags    = each.value.key_tags
  tags        = local.tags
}

module "rds" {
  source   = "../../modules/rds-encryption"
  for_each = { for name, b in local.bound : name => b if name == "rds" }

  identifier          = "${local.prefix}-db"
  master_password     = var.database_password
  skip_final_snapshot = var.disposable
  deletion_protection = !var.disposable
  kms_key_arn         = each.value.kms_key_arn
  key_tags            = each.value.key_tags
  tags                = local.tags
}

module "ebs" {
  source   = "../../modules/ebs-encryption"
  for_each = { for name, b in local.bound : name => b if name == "ebs" }

  availability_zone = "${data.aws_region.current.name}a"
  size_gib          = 1
  kms_key_arn       = each.value.kms_key_arn
  key_tags          = each.value.key_tags
  tags              = local.tags
}

module "sqs" {
  source   = "../../modules/sqs-encryption"
  for_each = { for name, b in local.bound : name => b if name == "sqs" }

  queue_name  = "${local.prefix}-events"
  kms_key_arn = each.value.kms_key_arn
  key_tags    = each.value.key_tags
  tags        = local.tags
}

module "secrets" {
  source   = "../../modules/secretsmanager-encryption"
  for_each = { for name, b in local.bound : name => b if name == "secrets" }

  secret_name             = "${local.prefix}/app"
  recovery_window_in_days = var.disposable ? 7 : 30
  kms_key_arn             = each.value.kms_key_arn
  key_tags                = each.value.key_tags
  tags                    = local.tags
}
