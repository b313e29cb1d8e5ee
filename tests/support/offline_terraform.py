"""Terraform planned for real but offline: the verified AWS provider 3.39 with every call to AWS skipped.

A plan of resources to create needs no endpoint when the provider validates no credentials and reads no
account or metadata; ``plan(refresh=False)`` then shows what Terraform computes from the code alone.
"""

from __future__ import annotations

import os
from pathlib import Path

from byok.terraform.engine import EmbeddedTerraform
from byok.terraform.environment import plugin_dir_from
from byok.terraform.provider import install

REPO = Path(__file__).resolve().parents[2]
OFFLINE_PROVIDER = """
provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_get_ec2_platforms      = true
}
"""


def offline_engine() -> EmbeddedTerraform:
    """The embedded engine with the verified provider installed in the plugin dir (the repo's by default)."""
    default = {"BYOK_TERRAFORM_PLUGIN_DIR": str(REPO / ".cache" / "terraform-plugins")}
    plugin_dir = plugin_dir_from({**default, **os.environ})
    install(plugin_dir)
    return EmbeddedTerraform(plugin_dir)
