# Rendered by byok (byok 0.1.0). Do not edit by hand: run `byok rotate propose`.
# Environment prod: 4 key(s), 6 binding(s).

environment = "prod"

keys = {
  "dynamodb" = {
    alias        = "prod-dynamodb"
    strategy     = "in-place"
    max_age_days = 365
    description  = "prod DynamoDB data key"
    generations = {
      "1" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }
    }
  }
  "messaging" = {
    alias        = "prod-messaging"
    strategy     = "in-place"
    max_age_days = 180
    description  = "prod SQS and Secrets Manager key"
    generations = {
      "1" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }
    }
  }
  "rds" = {
    alias        = "prod-rds"
    strategy     = "alias-swap"
    max_age_days = 365
    description  = "prod RDS and EBS storage key"
    generations = {
      "1" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }
    }
  }
  "s3" = {
    alias        = "prod-s3"
    strategy     = "alias-swap"
    max_age_days = 365
    description  = "prod S3 data key"
    generations = {
      "1" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }
    }
  }
}

bindings = {
  "dynamodb" = { key = "dynamodb", generation = null }
  "ebs"      = { key = "rds", generation = "1" }
  "rds"      = { key = "rds", generation = "1" }
  "s3"       = { key = "s3", generation = null }
  "secrets"  = { key = "messaging", generation = null }
  "sqs"      = { key = "messaging", generation = null }
}
