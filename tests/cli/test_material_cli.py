"""``byok material`` and ``byok hsm`` end to end: output formats, dry runs, and one-line errors."""

from __future__ import annotations

import uuid

import boto3
import pytest

from support.output_schema import documented


@pytest.fixture
def external_key(endpoint):
    client = boto3.client(
        "kms",
        endpoint_url=endpoint.url,
        region_name="eu-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    key_id = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    alias = f"alias/cli-{uuid.uuid4().hex[:8]}"
    client.create_alias(AliasName=alias, TargetKeyId=key_id)
    return client, alias, key_id


def test_probe_names_the_token_and_the_visible_choice(byok, token):
    result = byok("hsm", "probe", "--output", "json")
    probe = documented(result.stdout, "hsm_probe")
    assert probe["kind"] == "hsm_probe" and probe["token"] == token.label
    assert probe["algorithm"] == "RSA_AES_KEY_WRAP_SHA_1" and probe["downgraded"] is True
    assert "RSA_AES_KEY_WRAP_SHA_1" in probe["algorithms"] and "CKM_AES_KEY_WRAP_PAD" in probe["mechanisms"]
    assert "CKR_ARGUMENTS_BAD" in probe["reason"]
    assert any("WARNING: weaker than RSA_AES_KEY_WRAP_SHA_256" in n for n in probe["notes"])


def test_dry_run_changes_nothing_then_import_rotates_in_place(byok, external_key):
    client, alias, key_id = external_key
    dry = byok("material", "import", "--key", alias, "--dry-run", "--output", "json")
    steps = [r["step"] for r in documented(dry.stdout, "material_import_plan")["rows"]]
    assert steps == ["generate", "get-parameters", "wrap", "import"]
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"

    first = documented(byok("material", "import", "--key", alias, "--output", "json").stdout, "material_import")
    second = documented(byok("material", "import", "--key", alias, "--output", "json").stdout, "material_import")
    assert first["state"] == "CURRENT" and second["state"] == "CURRENT"
    assert second["steps"][-1] == "rotate"

    listing = documented(byok("material", "list", "--key", alias, "--output", "json").stdout, "material_list")
    assert listing["key_arn"] == first["key_arn"] and listing["key_arn"].endswith(key_id)
    states = {row["material_id"]: row["state"] for row in listing["rows"]}
    assert states == {first["material_id"]: "NON_CURRENT", second["material_id"]: "CURRENT"}
    assert {row["hsm_label"] for row in listing["rows"]} == {first["label"], second["label"]}


def test_markdown_and_table_outputs(byok, external_key):
    _, alias, _ = external_key
    byok("material", "import", "--key", alias, "--valid-to", "2027-06-30")
    markdown = byok("material", "list", "--key", alias, "--output", "markdown").stdout
    assert "- **key**: `arn:aws:kms:" in markdown and "| CURRENT | IMPORTED | 2027-06-30T00:00:00+00:00 |" in markdown
    assert "CURRENT" in byok("material", "list", "--key", alias).stdout


@pytest.mark.parametrize(
    ("env_change", "exit_code", "message"),
    [
        ({"BYOK_HSM_PIN_FILE": None, "BYOK_HSM_PIN": "0000-wrong"}, 4, "PIN"),
        ({"BYOK_TOKEN_LABEL": "no-such-token"}, 4, "no-such-token"),
        ({"BYOK_PKCS11_MODULE": "/nonexistent/libpkcs11.so"}, 4, "/nonexistent/libpkcs11.so"),
        ({"BYOK_HSM_PIN_FILE": None}, 3, "no HSM PIN given"),
        ({"BYOK_WRAPPING_ALGORITHM": "RSAES_OAEP_SHA_256"}, 4, "RSAES_OAEP_SHA_256"),
        ({"BYOK_AWS_ENDPOINT": "http://192.0.2.10:4566"}, 5, "only over TLS"),
    ],
)
def test_bad_setup_is_one_line_with_exit_code_and_no_secret(
    byok, cli_env, user_pin, external_key, env_change, exit_code, message
):
    _, alias, _ = external_key
    env = dict(cli_env)
    for name, value in env_change.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    result = byok("material", "import", "--key", alias, env=env, check=False)
    assert result.returncode == exit_code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("byok: error: ") and message in lines[0]
    assert "Traceback" not in result.stderr
    assert user_pin not in result.stderr + result.stdout and "0000-wrong" not in result.stderr + result.stdout


def test_key_not_external_and_unknown_key(byok, endpoint):
    client = boto3.client(
        "kms",
        endpoint_url=endpoint.url,
        region_name="eu-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    result = byok("material", "import", "--key", key_id, check=False)
    assert result.returncode == 5 and "Origin=EXTERNAL" in result.stderr
    missing = byok("material", "import", "--key", "alias/does-not-exist", check=False)
    assert missing.returncode == 5 and "NotFoundException" in missing.stderr


def test_pin_is_refused_on_argv(byok, user_pin):
    result = byok("hsm", "probe", "--pin", user_pin, check=False)
    assert result.returncode == 2 and "No such option" in result.stderr
