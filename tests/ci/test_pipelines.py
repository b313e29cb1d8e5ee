"""`make ci-apply`, `ci-nightly` and `ci-pr` end to end on the embedded default, in a copy of the estate.

One story, run once even when pytest-xdist spreads these tests over workers (a file lock and a results file):
Terraform's RDS waiter makes the apply cost about a minute, so it happens once. The rotation PR is rendered by
`byok rotate propose`; the bad PR is the same PR with the rds binding moved to the new generation, which
Terraform can only do by replacing the database.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from tests.ci.conftest import BYOK, REPO, make

from byok.demo import copy_estate
from byok.estate import Binding
from byok.render import read_tfvars, render_tfvars

OUT = ".byok-ci"


def _sandbox_env(workspace: Path) -> dict[str, str]:
    lines = (workspace / ".byok-sandbox" / "sandbox.env").read_text().splitlines()
    return {**os.environ, **dict(line.split("=", 1) for line in lines)}


def _propose(workspace: Path) -> None:
    keys = [arg for key in ("dynamodb", "messaging", "rds", "s3") for arg in ("--key", key)]
    subprocess.run(
        [str(BYOK), "rotate", "propose", "--env", "dev", *keys],
        cwd=workspace,
        env=_sandbox_env(workspace),
        check=True,
        capture_output=True,
    )


def _pin_rds_to_the_new_generation(workspace: Path) -> None:
    """The PR a careless engineer would write: re-pin the database to the new key (a replacement)."""
    tfvars = workspace / "terraform" / "dev" / "byok.auto.tfvars"
    state = read_tfvars(tfvars)
    assert Binding("rds", "rds", 1) in state.bindings
    bindings = tuple(Binding("rds", "rds", 2) if b.name == "rds" else b for b in state.bindings)
    tfvars.write_text(render_tfvars(replace(state, bindings=bindings)))


def _step(workspace: Path, target: str, keep: tuple[str, ...] = ()) -> dict:
    done = make(target, f"WORKSPACE={workspace}")
    files = {name: (workspace / OUT / name).read_text() for name in keep if (workspace / OUT / name).exists()}
    return {"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "files": files}


def _story(workspace: Path) -> dict:
    copy_estate(REPO, workspace)
    results = {"apply": _step(workspace, "ci-apply")}
    try:
        results["nightly"] = _step(workspace, "ci-nightly", ("report/drift-report.md", "report/drift-report.html"))
        _propose(workspace)
        results["pr"] = _step(workspace, "ci-pr", ("pr-comment.md", "checkov.sarif", "drift.sarif"))
        _pin_rds_to_the_new_generation(workspace)
        results["replace"] = _step(workspace, "ci-pr", ("pr-comment.md",))
    finally:
        make("ci-down", f"WORKSPACE={workspace}")
    return results


@pytest.fixture(scope="module")
def story(tmp_path_factory, worker_id) -> dict:
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    results = shared / "ci-story.json"
    with (shared / "ci-story.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not results.exists():
            results.write_text(json.dumps(_story(shared / "ci-estate")))
    return json.loads(results.read_text())


def _ok(step: dict) -> None:
    assert step["code"] == 0, step["stdout"][-3000:] + step["stderr"][-3000:]


def test_apply_imports_the_first_material_and_the_journal_verifies(story):
    _ok(story["apply"])
    assert "recorded in terraform/dev/byok.auto.tfvars" in story["apply"]["stdout"]
    assert re.search(r"journal: \S*journal\.jsonl\nstatus: OK", story["apply"]["stdout"])


def test_nightly_writes_the_markdown_and_html_reports(story):
    _ok(story["nightly"])
    files = story["nightly"]["files"]
    assert files["report/drift-report.md"].startswith("## byok drift")
    assert "<html" in files["report/drift-report.html"].lower() and "dev-rds" in files["report/drift-report.html"]
    assert "into Security Hub" in story["nightly"]["stdout"]


def test_a_rotation_pr_plans_passes_the_policies_and_writes_the_comment(story):
    _ok(story["pr"])
    comment = story["pr"]["files"]["pr-comment.md"]
    assert "dev ✅ passes the checks" in comment
    assert '`module.estate.module.key["rds"].aws_kms_external_key.this["2"]` | create' in comment
    assert re.search(r"- plan: \d+ passed, 0 failed", comment) and "replace" not in comment
    for sarif in ("checkov.sarif", "drift.sarif"):
        assert json.loads(story["pr"]["files"][sarif])["version"] == "2.1.0"


def test_a_pr_that_replaces_the_database_fails_and_says_why(story):
    step = story["replace"]
    assert step["code"] != 0
    comment = step["files"]["pr-comment.md"]
    assert "dev ❌ blocked" in comment and "**Why this PR cannot merge:**" in comment
    database = re.escape('`module.estate.module.rds["rds"].aws_db_instance.this[0]`')
    assert re.search(rf"CKV_BYOK_6 fails on {database} \(plan scan\), which must hold: Plan does not replace", comment)
    assert re.search(rf"BYOK-D010 \(high\) on {database}: .* kms_key_id changes", comment)
    assert "| **replace** (because of `kms_key_id`) |" in comment
    assert "byok-ci: blocked: CKV_BYOK_6" in step["stderr"]
