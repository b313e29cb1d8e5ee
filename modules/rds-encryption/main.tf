# RDS stores the resolved key ARN at creation and cannot switch keys: a different kms_key_id makes
# Terraform plan a replacement (a new, empty database). Pin the generation (generation_arns[N]) and
# move to a new key by snapshot copy and restore, never by changing this input in place.
locals {
  final_snapshot = "${var.identifier}-final"
  tags           = merge(var.tags, var.key_tags)
}

resource "aws_db_instance" "this" {
  count = var.kind == "instance" ? 1 : 0

  identifier                = var.identifier
  engine                    = var.engine
  engine_version            = var.engine_version
  instance_class            = var.instance_class
  allocated_storage         = var.allocated_storage_gib
  username                  = var.master_username
  password                  = var.master_password
  storage_encrypted         = true
  kms_key_id                = var.kms_key_arn
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : local.final_snapshot
  deletion_protection       = var.deletion_protection
  copy_tags_to_snapshot     = true
  tags                      = local.tags
}

resource "aws_rds_cluster" "this" {
  count = var.kind == "cluster" ? 1 : 0

  cluster_identifier        = var.identifier
  engine                    = var.engine
  engine_version            = var.engine_version
  master_username           = var.master_username
  master_password           = var.master_password
  storage_encrypted         = true
  kms_key_id                = var.kms_key_arn
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : local.final_snapshot
  deletion_protection       = var.deletion_protection
  copy_tags_to_snapshot     = true
  tags                      = local.tags
}
