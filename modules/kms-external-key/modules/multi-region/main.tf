# One byok key as a multi-Region key: the primary key(s) in the provider's Region and a replica of each in
# every replica Region. Imported material is never copied between Regions by KMS: each replica starts
# PendingImport and byok imports the primary's material into it, wrapped under that Region's own wrapping key.
module "spec" {
  source = "../spec"

  key             = local.key
  replica_regions = var.replica_regions
}

resource "aws_kms_external_key" "this" {
  # key_material_base64 is deliberately never set: it would store plaintext material in state.
  for_each = module.spec.keys

  multi_region            = true
  description             = var.description
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = module.spec.policy_json
  tags                    = each.value.tags
}

resource "aws_kms_replica_external_key" "this" {
  # One replica of each key per Region; the provider's per-resource region (AWS provider 6) needs no alias.
  for_each = module.spec.replica_keys

  region                  = each.value.region
  primary_key_arn         = aws_kms_external_key.this[each.value.address].arn
  description             = var.description
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = module.spec.policy_json
  tags                    = each.value.tags
}

module "names" {
  source = "../names"

  key = local.names
}

resource "aws_kms_alias" "replica" {
  # Aliases are per Region: the same names as in the primary Region, each on the replica of the same key.
  for_each = module.spec.replica_aliases

  region        = each.value.region
  name          = each.value.name
  target_key_id = aws_kms_replica_external_key.this[each.value.replica_key].key_id
}
