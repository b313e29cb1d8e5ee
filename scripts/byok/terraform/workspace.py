"""One environment's root configuration as the GitOps steps use it: aim, init, plan, show, apply.

The CLI, the demo, the CI targets and the end-to-end tests all go through here, so the pipeline a
user runs is the one the tests prove.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byok.errors import ConfigError
from byok.files import check_writable, write_atomically
from byok.terraform.engine import PlanResult, TerraformEngine

ENDPOINT_VARS = "local-endpoint.auto.tfvars"  # git-ignored: only the sandbox run writes it
PLAN_FILE = "byok.tfplan"
PLAN_JSON = "byok.tfplan.json"


@dataclass(frozen=True)
class PlannedChange:
    plan: PlanResult
    plan_json: dict[str, Any]
    plan_json_path: Path


class Workspace:
    def __init__(
        self,
        terraform_dir: Path,
        engine: TerraformEngine,
        endpoint_url: str | None = None,
        refresh: bool = True,
    ) -> None:
        """``refresh=False`` trusts the state (a sandbox nothing else changes) and plans in a third of the time."""
        self.terraform_dir = terraform_dir
        self.engine = engine
        self.endpoint_url = endpoint_url
        self.refresh = refresh

    def root(self, environment: str) -> Path:
        return self.terraform_dir / environment

    def existing_root(self, environment: str) -> Path:
        """The environment's root, or a ConfigError saying how to create one (not a FileNotFoundError later)."""
        root = self.root(environment)
        if not any(root.glob("*.tf")):
            raise ConfigError(
                f"{root} holds no Terraform root configuration for {environment!r}",
                f"scaffold it with `byok init --env {environment}`",
            )
        return root

    def prepare(self, environment: str) -> Path:
        """Point the root at the local endpoint when there is one, then init (fast when already done)."""
        root = self.existing_root(environment)
        for name in (ENDPOINT_VARS, PLAN_FILE, PLAN_JSON):
            check_writable(root / name, "Terraform file")
        endpoint_file = root / ENDPOINT_VARS
        if self.endpoint_url:
            write_atomically(endpoint_file, self._endpoint_vars())
        else:
            endpoint_file.unlink(missing_ok=True)
        self.engine.init(root)
        return root

    def _endpoint_vars(self) -> str:
        return f'aws_endpoint = "{self.endpoint_url}"\n'

    def plan(self, environment: str) -> PlannedChange:
        root = self.prepare(environment)
        result = self.engine.plan(root, out=root / PLAN_FILE, refresh=self.refresh)
        plan_json = self.engine.show_json(root, result.plan_file)
        json_path = root / PLAN_JSON
        write_atomically(json_path, json.dumps(plan_json))
        return PlannedChange(result, plan_json, json_path)

    def preview(self, environment: str) -> PlanResult:
        """A plan that leaves the root as it was: plan file and endpoint variables live in a temporary directory.

        Only ``terraform init``'s own cache (``.terraform/``) may appear in the root, as with any Terraform plan.
        """
        root = self.existing_root(environment)
        with tempfile.TemporaryDirectory(prefix="byok-preview-") as scratch:
            var_files = []
            if self.endpoint_url:
                var_file = Path(scratch) / "endpoint.tfvars"
                var_file.write_text(self._endpoint_vars(), encoding="utf-8")
                var_files.append(var_file)
            self.engine.init(root)
            return self.engine.plan(root, var_files, out=Path(scratch) / PLAN_FILE, refresh=self.refresh)

    def apply(self, environment: str) -> PlannedChange:
        planned = self.plan(environment)
        if planned.plan.has_changes:
            self.engine.apply(self.root(environment), planned.plan.plan_file)
        return planned

    def state(self, environment: str) -> dict[str, Any]:
        """The root's state as JSON; init first (fast when done), since a fresh checkout has no providers yet."""
        root = self.existing_root(environment)
        self.engine.init(root)
        return self.engine.show_json(root)

    def outputs(self, environment: str) -> dict[str, Any]:
        return self.engine.output(self.root(environment))
