"""``byok material`` and ``byok hsm`` end to end: output formats, dry runs, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.output_schema import documented


def test_probe_names_the_token_and_the_visible_choice(byok, token):
    result = byok("hsm", "probe", "--output", "json")
    probe = documented(result.stdout, "hsm_probe")
    assert probe["kind"] == "hsm_probe" and probe["token"] == token.label
    assert probe["algorithm"] == token.kind.wraps_with[0]
    assert "CKR_ARGUMENTS_BAD" in probe["reason"] or "CKR_MECHANISM_INVALID" in probe["reason"]
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
        ({"BYOK_WRAPPING_ALGORITHM": "RSA_AES_KEY_WRAP_SHA_256"}, 4, "RSA_AES_KEY_WRAP_SHA_256"),
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


def test_key_not_external_and_unknown_key(byok, kms_client):
    client = kms_client
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    result = byok("material", "import", "--key", key_id, check=False)
    assert result.returncode == 5 and "Origin=EXTERNAL" in result.stderr
    missing = byok("material", "import", "--key", "alias/does-not-exist", check=False)
    assert missing.returncode == 5 and "NotFoundException" in missing.stderr


def test_pin_is_refused_on_argv(byok, user_pin):
    result = byok("hsm", "probe", "--pin", user_pin, check=False)
    assert result.returncode == 2 and "No such option" in result.stderr


def _journal(cli_env) -> list[dict]:
    path = Path(cli_env["BYOK_CONFIG"]).parent / ".byok" / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_import_and_renew_are_journaled(byok, cli_env, external_key):
    _, alias, key_id = external_key
    imported = json.loads(byok("material", "import", "--key", alias, "--output", "json").stdout)
    byok("material", "renew", "--key", alias, "--material-id", imported["material_id"])
    records = _journal(cli_env)
    assert [r["event"] for r in records] == [
        "run-started", "material-generated", "parameters-fetched", "material-wrapped", "material-imported",
        "run-finished", "run-started", "parameters-fetched", "material-wrapped", "material-renewed", "run-finished",
    ]  # fmt: skip
    imported_record, renewed_record = records[4], records[9]
    assert imported_record["key"] == imported["key_arn"] and imported_record["material_id"] == imported["material_id"]
    assert f"HSM object {imported['label']}" in imported_record["detail"] and key_id in imported["label"]
    assert renewed_record["material_id"] == imported["material_id"]
    assert "trusted wrapping off: CLI tests" in records[0]["detail"]  # the opt-out is journaled on every run
    assert records[1]["detail"].endswith("trusted wrapping off by configuration")


def test_label_of_another_keys_material_is_refused_before_any_kms_write(byok, cli_env, external_key, endpoint):
    """Seen: --label <another key's object> imported that material into the target key, exit 0, unjournaled."""
    client, _, _ = external_key
    first = json.loads(byok("material", "import", "--key", external_key[1], "--output", "json").stdout)
    target = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    before = len(_journal(cli_env))
    result = byok("material", "import", "--key", target, "--label", first["label"], check=False)
    assert result.returncode == 4, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"belongs to key {first['label'].split('/')[1]}, not {target}: one material backs one key" in line
    assert client.describe_key(KeyId=target)["KeyMetadata"]["KeyState"] == "PendingImport"
    assert "material-imported" not in [r["event"] for r in _journal(cli_env)[before:]]


def test_label_without_a_key_id_is_refused(byok, external_key):
    _, alias, _ = external_key
    result = byok("material", "import", "--key", alias, "--label", "prod-rds-2", check=False)
    assert result.returncode == 4 and "names no KMS key ID" in result.stderr


def test_probe_names_what_the_token_refused(byok, token):
    probe = json.loads(byok("hsm", "probe", "-o", "json").stdout)
    if token.lacks("trusted-wrapping"):
        assert probe["trusted_wrapping"] is False
        assert "CKA_WRAP_WITH_TRUSTED: CKR_ATTRIBUTE_TYPE_INVALID" in probe["trusted_wrapping_refused"]
    if token.lacks("check-value"):
        assert probe["check_values"] is False
        assert any("the audit trail identifies material by KeyMaterialId" in note for note in probe["notes"])
