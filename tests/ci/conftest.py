"""Shared by the CI suite: the repository, the pipeline files, and `make` run the way a user runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CI_VENV_BIN = REPO / ".venv-ci" / "bin"
GITHUB = sorted([*(REPO / "ci" / "github").glob("*.yml"), *(REPO / ".github" / "workflows").glob("*.yml")])
GITLAB = REPO / "ci" / "gitlab" / ".gitlab-ci.yml"
# The byok that `make ci-*` puts first on PATH (CI_BIN, as in the Makefile).
BYOK = Path(os.environ.get("CI_BIN", str(REPO / ".venv" / "bin")).split(":")[0]) / "byok"


def make(*args: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def ci_tool():
    def path(name: str) -> Path:
        binary = CI_VENV_BIN / name
        assert binary.exists(), f"{binary} missing: run `make ci-tools` (make test does it)"
        return binary

    return path
