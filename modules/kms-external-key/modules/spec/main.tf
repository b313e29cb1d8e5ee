# The validated definition of one byok key, shared by kms-external-key (one Region) and its multi-region
# variant: which key objects exist for the generations, their tags, the replica keys per Region, and the policy.
locals {
  active_generation = one([for g, v in var.key.generations : g if v.state == "active"])
  active            = var.key.generations[local.active_generation]

  # A generation's own strategy (only "alias-swap": byok proposes it for an in-place key whose 25 on-demand
  # rotations are spent) wins over the key's. in-place: one key whose materials are the generations, and a new
  # key from each alias-swap generation on (the in-place generations after it rotate in that key);
  # alias-swap: one key per listed generation.
  strategy_of = { for g, v in var.key.generations : g => coalesce(v.strategy, var.key.strategy) }
  swap_start = {
    for g in keys(var.key.generations) : g => max(concat([0], [
      for h in keys(var.key.generations) : tonumber(h) if local.strategy_of[h] == "alias-swap" && tonumber(h) <= tonumber(g)
    ])...)
  }
  key_address = {
    for g in keys(var.key.generations) : g => (
      var.key.strategy == "alias-swap" ? g : (local.swap_start[g] == 0 ? "key" : tostring(local.swap_start[g]))
    )
  }
  # Each key is tagged with the generation it serves now: the active one, else its newest.
  slot_generation = {
    for address in distinct(values(local.key_address)) : address => (
      local.key_address[local.active_generation] == address ? local.active_generation : tostring(max([
        for g, a in local.key_address : tonumber(g) if a == address
      ]...))
    )
  }

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
    for address, g in local.slot_generation : address => {
      generation = g
      tags = merge(local.key_tags, {
        Name              = address == "key" ? var.key.name : "${var.key.name}-g${address}"
        "byok:generation" = g
        "byok:state"      = var.key.generations[g].state
      })
    }
  }

  # alias/<name> follows the active generation; every alias-swap generation's key also has its own name.
  alias_name             = "alias/${var.key.name}"
  generation_alias_names = { for g, strategy in local.strategy_of : g => "alias/${var.key.name}-g${g}" if strategy == "alias-swap" }

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
