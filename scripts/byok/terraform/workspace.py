"""One environment's root configuration as the GitOps steps use it: aim, init, plan, show, apply.

The CLI, the demo, the CI targets and the end-to-end tests all go through here, so the pipeline a
user runs is the one the tests prove.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byok.terraform.engine import PlanResult, TerraformEngine

ENDPOINT_VARS = "local-endpoint.auto.tfvars"  # git-ignored: only the sandbox run writes it


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

    def prepare(self, environment: str) -> Path:
        """Point the root at the local endpoint when there is one, then init (fast when already done)."""
        root = self.root(environment)
        endpoint_file = root / ENDPOINT_VARS
        if self.endpoint_url:
            endpoint_file.write_text(f'aws_endpoint = "{self.endpoint_url}"\n', encoding="utf-8")
        else:
            endpoint_file.unlink(missing_ok=True)
        self.engine.init(root)
        return root

    def plan(self, environment: str) -> PlannedChange:
        root = self.prepare(environment)
        result = self.engine.plan(root, out=root / "byok.tfplan", refresh=self.refresh)
        plan_json = self.engine.show_json(root, result.plan_file)
        json_path = root / "byok.tfplan.json"
        json_path.write_text(json.dumps(plan_json), encoding="utf-8")
        return PlannedChange(result, plan_json, json_path)

    def apply(self, environment: str) -> PlannedChange:
        planned = self.plan(environment)
        if planned.plan.has_changes:
            self.engine.apply(self.root(environment), planned.plan.plan_file)
        return planned

    def state(self, environment: str) -> dict[str, Any]:
        return self.engine.show_json(self.root(environment))

    def outputs(self, environment: str) -> dict[str, Any]:
        return self.engine.output(self.root(environment))
