# How people and tools find a byok key in its primary Region: alias/<name> on the active generation,
# alias/<name>-g<N> per generation (alias-swap), and a resource group of everything tagged with the name.
locals {
  flat_name = replace(var.key.name, "/", "-")
}

resource "aws_kms_alias" "primary" {
  name          = var.key.alias_name
  target_key_id = var.key.key_ids[var.key.active_generation]
}

resource "aws_kms_alias" "generation" {
  # Only alias-swap has a key per generation; in place, every generation is the same key.
  for_each = var.key.generation_alias_names

  name          = each.value
  target_key_id = var.key.key_ids[each.key]
}

resource "aws_resourcegroups_group" "this" {
  # The API limits descriptions to letters, digits, spaces and _ . - (no colon, no slash).
  name        = "byok-${local.flat_name}"
  description = "Resources encrypted under the byok key ${local.flat_name}"
  tags        = var.key.tags

  resource_query {
    query = jsonencode({
      ResourceTypeFilters = ["AWS::AllSupported"]
      TagFilters          = [{ Key = "byok:key", Values = [var.key.name] }]
    })
  }
}
