"""Sources of facts: Terraform code, a plan/state JSON, and the live accounts (see ``byok.drift.facts``)."""
