"""Engine behaviour that needs no cloud: errors as one line, engine choice, the binary path."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from byok.terraform.diagnostics import first_error
from byok.terraform.engine import BinaryTerraform, EmbeddedTerraform, engine_from_env
from byok.terraform.errors import TerraformError

BOXED_ERROR = """
\u2577
\u2502 Error: Unsupported argument
\u2502
\u2502   on main.tf line 2, in variable "x":
\u2502    2:   colour = "red"
\u2502
\u2502 An argument named "colour" is not expected here.
\u2575
"""


def test_text_diagnostics_give_summary_and_detail_without_the_source_snippet() -> None:
    assert first_error("", BOXED_ERROR) == 'Unsupported argument: An argument named "colour" is not expected here.'


def test_json_diagnostics_win_over_text() -> None:
    stdout = '{"@level":"error","diagnostic":{"severity":"error","summary":"Bad","detail":"very\\nbad"}}\n'
    assert first_error(stdout, BOXED_ERROR) == "Bad: very bad"


def test_a_terraform_error_is_one_line(engine: EmbeddedTerraform, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "x" {\n  colour = "red"\n}\n', encoding="utf-8")
    with pytest.raises(TerraformError) as caught:
        engine.init(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"terraform init failed in {tmp_path}: Unsupported argument")
    assert 'named "colour" is not expected here' in message


def test_missing_provider_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match="byok.terraform.provider install"):
        EmbeddedTerraform(tmp_path / "empty").init(tmp_path)


def test_engine_from_env_prefers_the_users_binary(tmp_path: Path) -> None:
    fake = _terraform_lookalike(tmp_path)
    chosen = engine_from_env({"BYOK_TERRAFORM_BIN": str(fake), "BYOK_TERRAFORM_PLUGIN_DIR": str(tmp_path)})
    assert isinstance(chosen, BinaryTerraform)
    assert isinstance(engine_from_env({"BYOK_TERRAFORM_PLUGIN_DIR": str(tmp_path)}), EmbeddedTerraform)


def test_an_unknown_binary_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match="names no executable"):
        engine_from_env({"BYOK_TERRAFORM_BIN": "no-such-terraform", "BYOK_TERRAFORM_PLUGIN_DIR": str(tmp_path)})


def test_the_binary_engine_runs_offline_and_quiet(plugin_dir: Path, tmp_path: Path) -> None:
    """A stand-in ``terraform`` records its environment, then behaves like Terraform."""
    fake = _terraform_lookalike(tmp_path)
    config = tmp_path / "config"
    config.mkdir()
    (config / "main.tf").write_text('output "x" {\n  value = 1\n}\n', encoding="utf-8")
    binary = BinaryTerraform(str(fake), plugin_dir, {**os.environ, "TF_CLI_CONFIG_FILE": "/missing.tfrc"})
    binary.init(config)
    binary.validate(config)
    seen = dict(line.split("=", 1) for line in (tmp_path / "env.txt").read_text().splitlines() if "=" in line)
    assert seen["CHECKPOINT_DISABLE"] == "1"
    assert seen["AWS_EC2_METADATA_DISABLED"] == "true"
    assert seen["TF_IN_AUTOMATION"] == "1"
    assert Path(seen["TF_CLI_CONFIG_FILE"]).read_text() == ""
    assert f"-plugin-dir={plugin_dir}" in (tmp_path / "argv.txt").read_text()


def test_the_users_binary_without_a_mirror_keeps_its_own_configuration(tmp_path: Path) -> None:
    """A real runner with provider 5.x: no -plugin-dir, and the user's CLI config (mirrors, credentials) stays."""
    fake = _terraform_lookalike(tmp_path)
    config = tmp_path / "config"
    config.mkdir()
    (config / "main.tf").write_text('output "x" {\n  value = 1\n}\n', encoding="utf-8")
    users_config = tmp_path / "users.tfrc"
    users_config.write_text("", encoding="utf-8")
    engine = engine_from_env({**os.environ, "BYOK_TERRAFORM_BIN": str(fake), "TF_CLI_CONFIG_FILE": str(users_config)})
    engine.init(config)
    seen = dict(line.split("=", 1) for line in (tmp_path / "env.txt").read_text().splitlines() if "=" in line)
    assert seen["TF_CLI_CONFIG_FILE"] == str(users_config)
    assert "-plugin-dir" not in (tmp_path / "argv.txt").read_text()


def _terraform_lookalike(directory: Path) -> Path:
    script = directory / "terraform"
    script.write_text(
        "#!/bin/sh\n"
        f'env > "{directory}/env.txt"\n'
        f'echo "$@" >> "{directory}/argv.txt"\n'
        f'exec "{sys.executable}" -m byok.terraform.embedded_cli "$@"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script
