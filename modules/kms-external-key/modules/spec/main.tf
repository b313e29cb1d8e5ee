# The validated definition of one byok key, shared by kms-external-key (one Region) and its multi-region
# variant: which key objects exist for the generations, their tags, the replica keys per Region, and the policy.
locals {
  active_generation = one([for g, v in var.key.generations : g if v.state == "active"])
  active            = var.key.generations[local.active_generation]

  # in-place: one key whose materials are the generations; alias-swap: one key per listed generation.
  key_slots   = var.key.strategy == "in-place" ? { (local.active_generation) = local.active } : var.key.generations
  key_address = { for g in keys(var.key.generations) : g => var.key.strategy == "in-place" ? "key" : g }

  next_due = formatdate("YYYY-MM-DD", timeadd("${local.active.created}T00:00:00Z", "${var.key.max_age_days * 24}h"))

  identity_tags = {
    "byok:key"      = var.key.name
    "byok:strategy" = var.key.strategy
  }
  key_tags = merge(var.key.tags, local.identity_tags, {
    "byok:rotated"  = local.active.created
    "byok:next-due" = local.next_due
  })

  keys = {
    for g, v in local.key_slots : local.key_address[g] => {
      generation = var.key.strategy == "in-place" ? local.active_generation : g
      tags = merge(local.key_tags, {
        Name              = var.key.strategy == "in-place" ? var.key.name : "${var.key.name}-g${g}"
        "byok:generation" = var.key.strategy == "in-place" ? local.active_generation : g
        "byok:state"      = v.state
      })
    }
  }

  # alias/<name> follows the active generation; alias-swap also names each generation's key.
  alias_name             = "alias/${var.key.name}"
  generation_alias_names = var.key.strategy == "alias-swap" ? { for g in keys(var.key.generations) : g => "alias/${var.key.name}-g${g}" } : {}

  replica_keys = {
    for pair in setproduct(keys(local.keys), var.replica_regions) : "${pair[0]}/${pair[1]}" => {
      address = pair[0]
      region  = pair[1]
      tags    = local.keys[pair[0]].tags
    }
  }

  alias_targets = merge(
    { (local.alias_name) = local.active_generation },
    { for g, alias in local.generation_alias_names : alias => g },
  )
  replica_aliases = {
    for pair in setproduct(keys(local.alias_targets), var.replica_regions) : "${pair[1]}/${pair[0]}" => {
      region      = pair[1]
      name        = pair[0]
      replica_key = "${local.key_address[local.alias_targets[pair[0]]]}/${pair[1]}"
    }
  }
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
