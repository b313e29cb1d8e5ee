"""Fixtures for the Terraform side: the verified provider, the embedded engine, the local endpoint,
and throw-away copies of terraform/ and modules/ so no .terraform dir or state lands in the repo."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from byok.sandbox.server import LocalEndpoint
from byok.terraform.engine import EmbeddedTerraform
from byok.terraform.environment import plugin_dir_from
from byok.terraform.provider import install

SECRETS = {"TF_VAR_database_password": "sandbox-only-password", "TF_VAR_master_password": "sandbox-only-password"}


REPO = Path(__file__).resolve().parents[2]
ENDPOINT_SERVICES = (
    "kms s3 dynamodb rds ec2 sqs secretsmanager sts iam resourcegroups cloudwatchevents lambda configservice sns"
).split()


@pytest.fixture(scope="session")
def plugin_dir() -> Path:
    default = {"BYOK_TERRAFORM_PLUGIN_DIR": str(REPO / ".cache" / "terraform-plugins")}
    directory = plugin_dir_from({**default, **os.environ})
    install(directory)
    return directory


@pytest.fixture(scope="session")
def engine(plugin_dir: Path) -> EmbeddedTerraform:
    return EmbeddedTerraform(plugin_dir, {**os.environ, **SECRETS})


@pytest.fixture(scope="session")
def endpoint() -> Iterator[LocalEndpoint]:
    """One server per test process; its port is picked free at start and kept (SQS URLs embed it)."""
    with LocalEndpoint() as aws:
        yield aws


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp_path/terraform and tmp_path/modules, so the relative module sources still resolve."""
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfplan")
    for name in ("terraform", "modules"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=ignore)
    return tmp_path


@pytest.fixture
def aim_root(endpoint: LocalEndpoint) -> Callable[[Path], Path]:
    """Returns a function writing a var file that points a root configuration at the local endpoint."""

    def aim(root: Path) -> Path:
        path = root / "local-endpoint.tfvars"
        path.write_text(f'aws_endpoint = "{endpoint.url}"\n', encoding="utf-8")
        return path

    return aim


@pytest.fixture
def aim_example(endpoint: LocalEndpoint) -> Callable[[Path], None]:
    """Returns a function pointing a module example (written for real AWS) at the local endpoint."""
    endpoints = "\n".join(f'    {service} = "{endpoint.url}"' for service in ENDPOINT_SERVICES)
    override = (
        'provider "aws" {\n'
        '  access_key                  = "sandbox"\n'
        '  secret_key                  = "sandbox"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  skip_get_ec2_platforms      = true\n"
        "  s3_force_path_style         = true\n"
        f"  endpoints {{\n{endpoints}\n  }}\n"
        "}\n"
    )

    def aim(example: Path) -> None:
        (example / "local_endpoint_override.tf").write_text(override, encoding="utf-8")

    return aim
