"""The CLI's last line of defence: foreign exceptions become byok errors with the right code; secrets are blanked."""

from __future__ import annotations

import errno

import click
import pytest
from botocore import exceptions as aws

from byok.cli.failures import Terminated, explain, one_line, redact
from byok.errors import ExitCode


@pytest.mark.parametrize(
    ("exception", "code", "says"),
    [
        (aws.ProfileNotFound(profile="nosuch"), ExitCode.CONFIGURATION, "AWS profile 'nosuch' is not configured"),
        (aws.NoCredentialsError(), ExitCode.CONFIGURATION, "no usable AWS credentials"),
        (aws.InvalidRegionError(region_name="x y"), ExitCode.CONFIGURATION, "'x y' is not an AWS region name"),
        (aws.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), ExitCode.KMS, "cannot reach the AWS endpoint"),
        (PermissionError(errno.EACCES, "Permission denied", "/srv/out.json"), ExitCode.CONFIGURATION, "/srv/out.json"),
        (OSError(errno.ENOSPC, "No space left", "/srv/out.json"), ExitCode.CONFIGURATION, "no space left"),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED, "`byok rotate apply` was interrupted (SIGINT)"),
        (Terminated(), ExitCode.INTERRUPTED, "interrupted (SIGTERM)"),
        (click.exceptions.Abort(), ExitCode.FAILURE, "no confirmation was given"),
        (click.UsageError("Missing option '--env'."), ExitCode.USAGE, "Missing option '--env'."),
    ],
)
def test_expected_failures_get_their_code_and_a_remedy(exception, code, says):
    error = explain(exception, "byok rotate apply")
    assert error is not None and error.exit_code == code
    assert says in str(error) and error.remedy


def test_a_bug_stays_a_bug():
    assert explain(RuntimeError("boom"), "byok x") is None
    assert explain(KeyError("k"), "byok x") is None


def test_secrets_of_the_environment_are_blanked_wherever_they_appear(tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_text("pin-from-file-42\n")
    env = {"BYOK_HSM_PIN": "pin-from-env-77", "BYOK_HSM_PIN_FILE": str(pin_file), "AWS_SECRET_ACCESS_KEY": "ab"}
    line = redact("pin-from-env-77 and pin-from-file-42 but ab stays", env)
    assert line == "*** and *** but ab stays"
    assert one_line("cause\n  more\tdetail") == "cause more detail"
