locals {
  active_generation = one([for g, v in var.generations : g if v.state == "active"])
  active            = var.generations[local.active_generation]
  flat_name         = replace(var.name, "/", "-")

  # in-place: one key whose materials are the generations; alias-swap: one key per listed generation.
  key_slots   = var.strategy == "in-place" ? { (local.active_generation) = local.active } : var.generations
  key_address = { for g in keys(var.generations) : g => var.strategy == "in-place" ? "key" : g }

  next_due = formatdate("YYYY-MM-DD", timeadd("${local.active.created}T00:00:00Z", "${var.max_age_days * 24}h"))

  identity_tags = {
    "byok:key"      = var.name
    "byok:strategy" = var.strategy
  }
  key_tags = merge(var.tags, local.identity_tags, {
    "byok:rotated"  = local.active.created
    "byok:next-due" = local.next_due
  })
}

data "aws_iam_policy_document" "key" {
  dynamic "statement" {
    # A role with no principals gets no statement: KMS rejects a statement without principals.
    for_each = { for s in local.policy_statements : s.sid => s if length(s.principals) > 0 }
    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = statement.value.principals
      }

      dynamic "condition" {
        for_each = statement.value.only_for_aws_services ? [1] : []
        content {
          test     = "Bool"
          variable = "kms:GrantIsForAWSResource"
          values   = ["true"]
        }
      }
    }
  }
}

resource "aws_kms_external_key" "this" {
  # key_material_base64 is deliberately never set: it would store plaintext material in state.
  for_each = { for g, v in local.key_slots : local.key_address[g] => v }

  description             = var.description
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json

  tags = merge(local.key_tags, {
    Name              = var.strategy == "in-place" ? var.name : "${var.name}-g${each.key}"
    "byok:generation" = var.strategy == "in-place" ? local.active_generation : each.key
    "byok:state"      = each.value.state
  })
}

resource "aws_kms_alias" "primary" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_external_key.this[local.key_address[local.active_generation]].id
}

resource "aws_kms_alias" "generation" {
  # Only alias-swap has a key per generation; in place, every generation is the same key.
  for_each = var.strategy == "alias-swap" ? var.generations : {}

  name          = "alias/${var.name}-g${each.key}"
  target_key_id = aws_kms_external_key.this[each.key].id
}

resource "aws_resourcegroups_group" "this" {
  # The API limits descriptions to letters, digits, spaces and _ . - (no colon, no slash).
  name        = "byok-${local.flat_name}"
  description = "Resources encrypted under the byok key ${local.flat_name}"
  tags        = merge(var.tags, local.identity_tags)

  resource_query {
    query = jsonencode({
      ResourceTypeFilters = ["AWS::AllSupported"]
      TagFilters          = [{ Key = "byok:key", Values = [var.name] }]
    })
  }
}
