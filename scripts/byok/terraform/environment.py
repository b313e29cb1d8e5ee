"""The environment every Terraform call runs in: offline, quiet, and blind to the user's CLI config.

A user's ``~/.terraformrc`` (or a ``TF_CLI_CONFIG_FILE`` naming a file that does not exist) could
redirect provider installation or add credentials helpers; an empty config file the engine owns makes
every machine behave the same. Checkpoint and the EC2 metadata lookup would otherwise try the network.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PLUGIN_DIR_ENV = "BYOK_TERRAFORM_PLUGIN_DIR"
DEFAULT_PLUGIN_DIR = Path(".cache", "terraform-plugins")
CLI_CONFIG_NAME = "byok-empty.tfrc"


def plugin_dir_from(env: Mapping[str, str]) -> Path:
    return Path(env.get(PLUGIN_DIR_ENV) or DEFAULT_PLUGIN_DIR).resolve()


def offline_env(plugin_dir: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) plus the settings that keep Terraform offline."""
    cli_config = plugin_dir / CLI_CONFIG_NAME
    if not cli_config.exists():
        plugin_dir.mkdir(parents=True, exist_ok=True)
        cli_config.write_text("", encoding="utf-8")
    env = dict(os.environ if base is None else base)
    env.update(
        CHECKPOINT_DISABLE="1",
        AWS_EC2_METADATA_DISABLED="true",
        TF_CLI_CONFIG_FILE=str(cli_config),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
    )
    return env
