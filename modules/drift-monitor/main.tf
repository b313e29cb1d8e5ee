data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  # Only what the drift rules read: a Lambda's environment holds 4 KB in all, so descriptions,
  # material IDs and check values stay in the tfvars.
  intent = {
    for environment, keys in var.environments : environment => {
      for name, key in keys : name => {
        alias        = key.alias
        strategy     = key.strategy
        max_age_days = key.max_age_days
        generations = {
          for number, generation in key.generations : number => {
            state   = generation.state
            created = generation.created
          }
        }
      }
    }
  }
  intent_json = jsonencode(local.intent)
  # Organisation-wide: the nightly check queries this aggregator (byok drift live --aggregator).
  organisation       = var.aggregator != null
  aggregator_name    = "${var.name}-organisation"
  aggregator_regions = local.organisation ? var.aggregator.regions : []
  environment = merge(
    {
      BYOK_INTENT         = local.intent_json
      BYOK_REGIONS        = join(",", length(var.regions) > 0 ? var.regions : [data.aws_region.current.name])
      BYOK_HORIZON_DAYS   = tostring(var.horizon_days)
      BYOK_THRESHOLD      = var.report_threshold
      BYOK_SECURITY_HUB   = var.security_hub_enabled ? "true" : "false"
      BYOK_TOPIC_ARN      = aws_sns_topic.findings.arn
      BYOK_RESOURCE_TYPES = join(",", var.config_resource_types)
    },
    local.organisation ? {
      BYOK_AGGREGATOR           = local.aggregator_name
      BYOK_ACCOUNTS             = join(",", var.aggregator.account_ids)
      BYOK_MEMBER_ROLE          = var.member_role_name == null ? "" : var.member_role_name
      BYOK_CONFIG_MAX_AGE_HOURS = tostring(var.config_max_age_hours)
    } : {}
  )
  functions = {
    nightly     = "byok.monitor.handler.nightly"
    config-rule = "byok.monitor.handler.config_rule"
  }
  # The drift-scanner document (policies/iam/drift-scanner.json), repeated here because a module
  # cannot read files outside its own directory once it is published; a test keeps the two equal.
  scanner_read_actions = [
    "dynamodb:DescribeTable",
    "dynamodb:ListTables",
    "ec2:DescribeSnapshots",
    "ec2:DescribeVolumes",
    "elasticfilesystem:DescribeFileSystems",
    "lambda:ListFunctions",
    "logs:DescribeLogGroups",
    "rds:DescribeDBClusterSnapshots",
    "rds:DescribeDBClusters",
    "rds:DescribeDBInstances",
    "rds:DescribeDBSnapshots",
    "s3:GetEncryptionConfiguration",
    "s3:ListAllMyBuckets",
    "secretsmanager:ListSecrets",
    "sns:GetTopicAttributes",
    "sns:ListTopics",
    "sqs:GetQueueAttributes",
    "sqs:ListQueues",
    "tag:GetResources",
  ]
  scanner_key_actions = [
    "kms:DescribeKey",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListKeyRotations",
    "kms:ListKeys",
    "kms:ListResourceTags",
  ]
}

resource "aws_sns_topic" "findings" {
  name              = "${var.name}-findings"
  kms_master_key_id = var.topic_kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = var.email_addresses

  topic_arn = aws_sns_topic.findings.arn
  protocol  = "email"
  endpoint  = each.value
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "monitor" {
  statement {
    sid       = "ReadKeyFacts"
    actions   = local.scanner_key_actions
    resources = ["*"]
  }
  statement {
    sid       = "ReadWhatUsesTheKeys"
    actions   = local.scanner_read_actions
    resources = ["*"]
  }
  statement {
    sid       = "ReportFindings"
    actions   = ["securityhub:BatchImportFindings"]
    resources = ["arn:${data.aws_partition.current.partition}:securityhub:*:*:product/*/default"]
  }
  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.findings.arn]
  }
  statement {
    sid       = "EncryptNotifications"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.topic_kms_key_arn]
  }
  statement {
    # PutEvaluations has no resource-level permissions; the listing calls feed periodic evaluations.
    sid       = "ReportCompliance"
    actions   = ["config:BatchGetResourceConfig", "config:ListDiscoveredResources", "config:PutEvaluations"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = local.organisation ? [1] : []
    content {
      sid       = "QueryTheAggregator"
      actions   = ["config:DescribeConfigurationAggregatorSourcesStatus", "config:SelectAggregateResourceConfig"]
      resources = [aws_config_configuration_aggregator.organisation[0].arn]
    }
  }
  dynamic "statement" {
    for_each = local.organisation && var.member_role_name != null ? [1] : []
    content {
      sid       = "ReadWhatConfigCannotGive"
      actions   = ["sts:AssumeRole"]
      resources = ["arn:${data.aws_partition.current.partition}:iam::*:role/${var.member_role_name}"]
    }
  }
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${data.aws_partition.current.partition}:logs:*:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/${var.name}-*"]
  }
}

resource "aws_iam_role" "monitor" {
  name               = "${var.name}-monitor"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "monitor" {
  name   = "drift-scanner"
  role   = aws_iam_role.monitor.id
  policy = data.aws_iam_policy_document.monitor.json
}

resource "aws_lambda_function" "this" {
  for_each = local.functions

  function_name = "${var.name}-${each.key}"
  role          = aws_iam_role.monitor.arn
  handler       = each.value
  runtime       = var.runtime
  filename      = var.lambda_zip_path
  # Lets the example plan before the zip is built (CI plans every example); apply needs the zip.
  source_code_hash = fileexists(var.lambda_zip_path) ? filebase64sha256(var.lambda_zip_path) : null
  timeout          = var.timeout_seconds
  memory_size      = 512
  tags             = var.tags

  environment {
    variables = local.environment
  }

  lifecycle {
    precondition {
      condition     = length(local.intent_json) <= 3072
      error_message = "The intent JSON exceeds 3 KB of the Lambda environment's 4 KB: split the monitor per environment."
    }
  }
}

resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "${var.name}-nightly"
  description         = "Runs the byok live drift check."
  schedule_expression = var.schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "nightly" {
  rule      = aws_cloudwatch_event_rule.nightly.name
  target_id = "byok-drift"
  arn       = aws_lambda_function.this["nightly"].arn
}

resource "aws_lambda_permission" "schedule" {
  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this["nightly"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.nightly.arn
}

resource "aws_lambda_permission" "config" {
  statement_id   = "AllowConfigRule"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this["config-rule"].function_name
  principal      = "config.amazonaws.com"
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_config_config_rule" "generation" {
  name        = "${var.name}-active-generation"
  description = "Resources encrypted under a byok key generation that is not active (retiring or retired) are NON_COMPLIANT."

  source {
    owner             = "CUSTOM_LAMBDA"
    source_identifier = aws_lambda_function.this["config-rule"].arn

    source_detail {
      message_type = "ConfigurationItemChangeNotification"
    }
    source_detail {
      message_type = "OversizedConfigurationItemChangeNotification"
    }
    source_detail {
      message_type                = "ScheduledNotification"
      maximum_execution_frequency = var.config_rule_frequency
    }
  }

  scope {
    compliance_resource_types = var.config_resource_types
  }

  tags       = var.tags
  depends_on = [aws_lambda_permission.config]
}

# Organisation-wide facts: one Config aggregator in this (delegated administrator) account.
data "aws_iam_policy_document" "aggregator_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["config.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "aggregator" {
  statement {
    sid       = "ReadTheOrganisation"
    actions   = ["organizations:DescribeOrganization", "organizations:ListAWSServiceAccessForOrganization", "organizations:ListAccounts", "organizations:ListDelegatedAdministrators"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "aggregator" {
  count = try(var.aggregator.scope, "") == "organization" ? 1 : 0

  name               = "${var.name}-aggregator"
  assume_role_policy = data.aws_iam_policy_document.aggregator_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "aggregator" {
  count = length(aws_iam_role.aggregator)

  name   = "read-organisation"
  role   = aws_iam_role.aggregator[0].id
  policy = data.aws_iam_policy_document.aggregator.json
}

resource "aws_config_configuration_aggregator" "organisation" {
  count = local.organisation ? 1 : 0

  name = local.aggregator_name

  dynamic "organization_aggregation_source" {
    for_each = var.aggregator.scope == "organization" ? [1] : []
    content {
      role_arn    = aws_iam_role.aggregator[0].arn
      all_regions = length(local.aggregator_regions) == 0
      regions     = length(local.aggregator_regions) > 0 ? local.aggregator_regions : null
    }
  }

  dynamic "account_aggregation_source" {
    for_each = var.aggregator.scope == "accounts" ? [1] : []
    content {
      account_ids = var.aggregator.account_ids
      all_regions = length(local.aggregator_regions) == 0
      regions     = length(local.aggregator_regions) > 0 ? local.aggregator_regions : null
    }
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.aggregator]
}
