"""CLI tests run the real ``byok`` executable as a subprocess against each token and the local endpoint."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

from byok.sandbox.server import LocalEndpoint

BYOK = str(Path(sys.executable).with_name("byok"))


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint() as running:
        yield running


@pytest.fixture
def cli_env(token, user_pin, endpoint, tmp_path) -> dict[str, str]:
    pin_file = tmp_path / "pin"
    pin_file.write_text(user_pin)
    pin_file.chmod(0o600)
    (tmp_path / "byok.toml").write_text(
        '[estate]\norder = ["dev"]\n[environments.dev]\n[material]\ntrusted_wrapping = "off"\n'
        'trusted_wrapping_opt_out = "CLI tests of the plain path; test_key_ceremony runs the ceremony"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BYOK_"))}
    env.update(
        token.env,
        BYOK_TOKEN_LABEL=token.label,
        BYOK_HSM_PIN_FILE=str(pin_file),
        BYOK_AWS_ENDPOINT=endpoint.url,
        BYOK_CONFIG=str(tmp_path / "byok.toml"),  # the journal goes to tmp_path/.byok
        AWS_REGION="eu-central-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    return env


@pytest.fixture
def estate_env(cli_env) -> dict[str, str]:
    """For commands run inside a copy of the estate: they read its byok.toml from the working directory."""
    return {name: value for name, value in cli_env.items() if name != "BYOK_CONFIG"}


@pytest.fixture
def byok(cli_env):
    def run(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [BYOK, *args], env=env or cli_env, capture_output=True, text=True, timeout=120, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"byok {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    return run


@pytest.fixture
def kms_client(endpoint):
    """boto3 on the local endpoint, to set up and inspect keys the way Terraform or a console would."""
    return boto3.client(
        "kms",
        endpoint_url=endpoint.url,
        region_name="eu-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def external_key(kms_client):
    client = kms_client
    key_id = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    alias = f"alias/cli-{uuid.uuid4().hex[:8]}"
    client.create_alias(AliasName=alias, TargetKeyId=key_id)
    return client, alias, key_id


@pytest.fixture
def ceremony_env(cli_env, tmp_path, token):
    """An estate in key-ceremony mode (required), and the security officer's 0600 SO PIN file."""
    config = tmp_path / "ceremony" / "byok.toml"
    config.parent.mkdir()
    config.write_text('[estate]\norder = ["dev"]\n[environments.dev]\n[material]\ntrusted_wrapping = "required"\n')
    so_pin_file = tmp_path / "so-pin"
    so_pin_file.write_text(token.so_pin)
    so_pin_file.chmod(0o600)
    return {**cli_env, "BYOK_CONFIG": str(config)}, so_pin_file
