"""Real Checkov runs shared by the policy tests.

Checkov takes seconds to start, so the pack runs once per scenario over every fixture, and the xdist
workers share each run through a lock-guarded file instead of repeating it. Tests then read the
verdict of one check on one fixture from that shared result.
"""

from __future__ import annotations

import fcntl
import json
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from byok.checkov import BYOK_CHECKS, CheckovResult, Framework, run_checkov

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"
PASS_PLAN = FIXTURES / "no_kms_replacement" / "pass" / "tfplan.json"
BOTH = (Framework.TERRAFORM, Framework.TERRAFORM_PLAN)


def _once(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, produce: Callable[[Path], CheckovResult]
) -> CheckovResult:
    """Run ``produce`` once per pytest session, whichever worker asks first."""
    if worker_id == "master":
        return produce(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # one directory per session, common to all workers
    cache = shared / f"{name}.pickle"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cache.exists():
            workdir = shared / name
            workdir.mkdir()
            cache.write_bytes(pickle.dumps(produce(workdir)))
        return pickle.loads(cache.read_bytes())  # noqa: S301 - written by a sibling worker of this session


def plan_key_arn(plan: Path, address: str) -> str:
    """The ARN moto gave a key when the plan fixtures were generated (it changes on every regeneration)."""
    resources = json.loads(plan.read_text())["planned_values"]["root_module"]["resources"]
    return next(resource["values"]["arn"] for resource in resources if resource["address"] == address)


@pytest.fixture(scope="session")
def pack_scan(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> CheckovResult:
    """Every fixture, code and plans, with no retired-key list."""
    return _once(tmp_path_factory, worker_id, "pack", lambda _: run_checkov(FIXTURES, BOTH, checks=BYOK_CHECKS))


@pytest.fixture(scope="session")
def retired_scan(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> CheckovResult:
    """The retired-key fixtures and the pass plan, with ``retired.txt`` plus plan key ``a`` retired."""

    def produce(workdir: Path) -> CheckovResult:
        retired = workdir / "retired.txt"
        listed = (FIXTURES / "no_retired_key" / "retired.txt").read_text()
        retired.write_text(listed + plan_key_arn(PASS_PLAN, "aws_kms_key.a") + "\n")
        targets = [FIXTURES / "no_retired_key", PASS_PLAN]
        return run_checkov(targets, BOTH, retired_keys_file=retired, checks=["CKV_BYOK_5"])

    return _once(tmp_path_factory, worker_id, "retired", produce)


@pytest.fixture(scope="session")
def missing_list_scan(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> CheckovResult:
    """The retired-key fail fixture with the env var naming a file that does not exist."""

    def produce(workdir: Path) -> CheckovResult:
        target = FIXTURES / "no_retired_key" / "fail"
        return run_checkov(target, retired_keys_file=workdir / "absent.txt", checks=["CKV_BYOK_5"])

    return _once(tmp_path_factory, worker_id, "missing-list", produce)


@pytest.fixture(scope="session")
def corpus_scan(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> CheckovResult:
    """The real-world corpus (tests/fixtures/realworld) with the literal-key check only."""
    return _once(tmp_path_factory, worker_id, "corpus", lambda _: run_checkov(CORPUS, checks=["CKV_BYOK_1"]))


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
