"""``byok init --env NAME``: a new environment's files, planned in full before the first one is written.

An environment is three things: an entry in ``byok.toml`` (name in ``estate.order`` and an
``[environments.NAME]`` table), a Terraform root under ``terraform_dir/NAME`` (the shared files of
``common/`` linked in, the provider lock copied from a sibling, an ``env.auto.tfvars``), and the first
``byok.auto.tfvars``: generation 1 of every key, active and awaiting its first import. ``plan`` decides
every file and refuses anything that exists already; ``write`` then writes them, each atomically.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from byok.errors import ConfigError
from byok.estate import NAME, EnvironmentState, Generation, GenerationState, ManagedKey
from byok.files import check_writable, write_atomically
from byok.model import Strategy
from byok.render import render_tfvars

SHARED_DIR = "common"
LOCK_FILE = ".terraform.lock.hcl"
_ORDER_LINE = re.compile(r"^(?P<head>\s*order\s*=\s*\[)(?P<items>[^\]\n]*)(?P<tail>\].*)$", re.MULTILINE)


@dataclass(frozen=True)
class KeySpec:
    name: str
    strategy: Strategy
    max_age_days: int


@dataclass
class Scaffold:
    """Every file ``byok init`` will write, and every link it will make, decided before any is made."""

    files: dict[Path, str] = field(default_factory=dict)
    links: dict[Path, str] = field(default_factory=dict)

    def paths(self) -> list[Path]:
        return [*self.files, *self.links]

    def write(self) -> None:
        for path in self.paths():
            check_writable(path, "new file")
        for path, target in self.links.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, path)
        for path, text in self.files.items():
            write_atomically(path, text)


def first_state(environment: str, keys: list[KeySpec], today: date) -> EnvironmentState:
    return EnvironmentState(
        environment=environment,
        keys=tuple(
            ManagedKey(
                name=spec.name,
                alias=f"{environment}-{spec.name}",
                strategy=spec.strategy,
                max_age_days=spec.max_age_days,
                description=f"{environment} {spec.name} key",
                generations=(Generation(1, GenerationState.ACTIVE, today),),
            )
            for spec in keys
        ),
        bindings=(),
    )


def plan(config: Path, environment: str, keys: list[KeySpec], today: date) -> Scaffold:
    if not NAME.match(environment):
        raise ConfigError(
            f"environment name {environment!r} is not allowed", "use lower-case letters, digits and dashes"
        )
    if not keys:
        raise ConfigError(f"no key given for {environment}", "name its keys: --key s3 --key rds:alias-swap ...")
    scaffold = Scaffold()
    terraform_dir = _estate_entry(config, environment, scaffold)
    root = terraform_dir / environment
    if root.exists():
        raise ConfigError(f"{root} already exists", f"remove it, or pick another name than {environment!r}")
    shared = terraform_dir / SHARED_DIR
    shared_files = sorted(shared.glob("*.tf"))
    if not shared_files:
        raise ConfigError(
            f"{shared} holds no shared root files (*.tf) to link into {root}",
            "byok init follows the layout of byok's terraform/ folder: keep terraform/common/ from the checkout",
        )
    for source in shared_files:
        scaffold.links[root / source.name] = os.path.join("..", SHARED_DIR, source.name)
    lock = next(iter(sorted(terraform_dir.glob(f"*/{LOCK_FILE}"))), None)
    if lock is not None:
        scaffold.files[root / LOCK_FILE] = lock.read_text(encoding="utf-8")
    scaffold.files[root / "env.auto.tfvars"] = (
        "# Settings of this environment that byok does not render.\ndisposable = false\n"
    )
    scaffold.files[root / "byok.auto.tfvars"] = render_tfvars(first_state(environment, keys, today))
    return scaffold


def _estate_entry(config: Path, environment: str, scaffold: Scaffold) -> Path:
    """byok.toml with the environment added last in the rotation order (created when there is none)."""
    table = f'\n[environments.{environment}]\nregions = ["eu-central-1"]\n'
    if not config.exists():
        scaffold.files[config] = (
            "# The estate configuration: policy reviewed like code.\n"
            f'[estate]\norder = ["{environment}"]\nexpiry_horizon_days = 30\n'
            f'terraform_dir = "terraform"\nstate_dir = ".byok"\n{table}'
        )
        return config.parent / "terraform"
    from byok.policy import load_policy

    policy = load_policy(config)
    if environment in {env.name for env in policy.environments}:
        raise ConfigError(f"{config} already declares environment {environment!r}", "pick another name")
    text = config.read_text(encoding="utf-8")
    order = list(_ORDER_LINE.finditer(text))
    if len(order) != 1:
        raise ConfigError(
            f"cannot find the one-line estate.order in {config} to add {environment!r} to",
            f"add {environment!r} to estate.order and a [environments.{environment}] table by hand",
        )
    match = order[0]
    items = match["items"].rstrip()
    joined = f'{items}, "{environment}"' if items.strip() else f'"{environment}"'
    text = text[: match.start()] + match["head"] + joined + match["tail"] + text[match.end() :]
    scaffold.files[config] = text.rstrip("\n") + "\n" + table
    return policy.terraform_dir
