"""Settings: the PIN comes from the environment or a file, never argv; bad values fail clearly."""

import pytest

from byok.config import AwsSettings, HsmSettings, read_pin
from byok.errors import ConfigError
from byok.model import WrappingAlgorithm, WrappingKeySpec


def test_pin_from_environment_wins_over_file(tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_text("from-file\n")
    pin_file.chmod(0o600)
    assert read_pin({"BYOK_HSM_PIN": "from-env", "BYOK_HSM_PIN_FILE": str(pin_file)}) == "from-env"


def test_pin_from_file_is_stripped(tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_text("  1234\n")
    pin_file.chmod(0o600)
    assert read_pin({"BYOK_HSM_PIN_FILE": str(pin_file)}) == "1234"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "no HSM PIN given"),
        ({"BYOK_HSM_PIN_FILE": "/nonexistent/pin"}, "cannot read the HSM PIN file"),
    ],
)
def test_missing_pin_is_one_clear_error(env, expected):
    with pytest.raises(ConfigError) as caught:
        read_pin(env)
    assert expected in str(caught.value)
    assert "never accepted on the command line" in str(caught.value) or "BYOK_HSM_PIN_FILE" in str(caught.value)


def test_empty_pin_file_is_refused(tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_text("\n")
    pin_file.chmod(0o600)
    with pytest.raises(ConfigError, match="is empty"):
        read_pin({"BYOK_HSM_PIN_FILE": str(pin_file)})


def test_hsm_settings_parse_forced_algorithm_and_spec():
    settings = HsmSettings.from_env(
        env={"BYOK_WRAPPING_ALGORITHM": "RSAES_OAEP_SHA_1", "BYOK_WRAPPING_KEY_SPEC": "RSA_2048"}
    )
    assert settings.forced_algorithm is WrappingAlgorithm.RSAES_OAEP_SHA_1
    assert settings.wrapping_key_spec is WrappingKeySpec.RSA_2048
    assert HsmSettings.from_env(env={}).forced_algorithm is None


def test_unknown_algorithm_names_the_choices():
    with pytest.raises(ConfigError) as caught:
        HsmSettings.from_env(env={"BYOK_WRAPPING_ALGORITHM": "RSAES_PKCS1_V1_5"})
    assert "RSA_AES_KEY_WRAP_SHA_256" in str(caught.value)


def test_aws_settings_prefer_explicit_then_byok_then_standard_variables():
    env = {
        "BYOK_AWS_ENDPOINT": "http://127.0.0.1:1",
        "AWS_ENDPOINT_URL": "https://other",
        "AWS_REGION": "eu-west-1",
    }
    assert AwsSettings.from_env(env=env) == AwsSettings("http://127.0.0.1:1", "eu-west-1")
    assert AwsSettings.from_env(endpoint_url="https://x", region="us-east-1", env=env).endpoint_url == "https://x"


def test_a_pin_file_others_can_read_is_refused_unless_the_owner_opts_out(tmp_path, caplog):
    pin_file = tmp_path / "pin"
    pin_file.write_text("5678\n")
    pin_file.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        read_pin({"BYOK_HSM_PIN_FILE": str(pin_file)})
    assert "open to group or others (mode -rw-r--r--)" in str(caught.value)
    assert f"chmod 600 {pin_file}" in str(caught.value) and "5678" not in str(caught.value)
    assert read_pin({"BYOK_HSM_PIN_FILE": str(pin_file), "BYOK_ALLOW_SHARED_PIN_FILE": "1"}) == "5678"
    assert "accepted because BYOK_ALLOW_SHARED_PIN_FILE=1" in caplog.text
