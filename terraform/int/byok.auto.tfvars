# Rendered by byok (byok 0.1.0). Do not edit by hand: run `byok rotate propose`.
# Environment int: 4 key(s), 6 binding(s).

environment = "int"

keys = {
  "dynamodb" = {
    alias        = "int-dynamodb"
    strategy     = "in-place"
    max_age_days = 365
    description  = "int DynamoDB data key"
    generations = {
      "1" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }
    }
  }
  "messaging" = {
    alias        = "int-messaging"
    strategy     = "in-place"
    max_age_days = 180
    description  = "int SQS and Secrets Manager key"
    generations = {
      "1" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }
    }
  }
  "rds" = {
    alias        = "int-rds"
    strategy     = "alias-swap"
    max_age_days = 365
    description  = "int RDS and EBS storage key"
    generations = {
      "1" = { state = "active", created = "2026-11-28", material_id = "", check_value = "" }
    }
  }
  "s3" = {
    alias        = "int-s3"
    strategy     = "alias-swap"
    max_age_days = 365
    description  = "int S3 data key"
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
