output "function_arn" {
  description = "ARN of the nightly drift-check function."
  value       = aws_lambda_function.this["nightly"].arn
}

output "config_rule_function_arn" {
  description = "ARN of the function AWS Config invokes to evaluate resources."
  value       = aws_lambda_function.this["config-rule"].arn
}

output "topic_arn" {
  description = "ARN of the notification topic (a summary of every nightly run)."
  value       = aws_sns_topic.findings.arn
}

output "rule_name" {
  description = "Name of the AWS Config rule that marks resources on a non-active generation NON_COMPLIANT."
  value       = aws_config_config_rule.generation.name
}

output "schedule_rule_name" {
  description = "Name of the EventBridge rule that runs the nightly check."
  value       = aws_cloudwatch_event_rule.nightly.name
}

output "aggregator_name" {
  description = "Name of the Config aggregator the nightly check queries (null when it checks this account only)."
  value       = local.organisation ? aws_config_configuration_aggregator.organisation[0].name : null
}
