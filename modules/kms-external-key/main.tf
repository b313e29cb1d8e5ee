# One byok key in one Region. Key objects, tags and key policy come from modules/spec, aliases and the resource
# group from modules/names; modules/multi-region shares them, and this module's variables.tf and key.tf.
module "spec" {
  source = "./modules/spec"

  key = local.key
}

resource "aws_kms_external_key" "this" {
  # key_material_base64 is deliberately never set: it would store plaintext material in state.
  for_each = module.spec.keys

  description             = var.description
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = module.spec.policy_json
  tags                    = each.value.tags
}

module "names" {
  source = "./modules/names"

  key = local.names
}

# Addresses before the aliases and the group moved into modules/names: existing states keep their objects.
moved {
  from = aws_kms_alias.primary
  to   = module.names.aws_kms_alias.primary
}

moved {
  from = aws_kms_alias.generation
  to   = module.names.aws_kms_alias.generation
}

moved {
  from = aws_resourcegroups_group.this
  to   = module.names.aws_resourcegroups_group.this
}
