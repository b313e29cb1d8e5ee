"""Terraform for byok: the offline AWS provider and the engines that run init/plan/show/apply."""
