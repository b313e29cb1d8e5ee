"""Run Checkov with byok's policy pack and turn its JSON report into per-check results.

Checkov lives in its own virtual environment (it pins boto3 and ships an ``hcl2`` that breaks
python-hcl2), so byok never imports it: it runs the binary and reads ``-o json``. The CLI and CI both
come through here so that the flags that make Checkov trustworthy offline are set in one place:
``--skip-download`` (otherwise every run tries the network), ``--external-checks-dir`` (our policies)
and, when asked, ``--check`` limited to our IDs.
"""

from __future__ import annotations

import enum
import json
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byok.errors import ByokError

REPO_ROOT = Path(__file__).resolve().parents[2]
POLICY_DIR = REPO_ROOT / "policies" / "checkov"
DEFAULT_BIN = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
BIN_ENV = "BYOK_CHECKOV_BIN"
RETIRED_KEYS_ENV = "BYOK_RETIRED_KEYS_FILE"
# Every check in the pack, and only those: Checkov accepts a trailing wildcard in --check.
BYOK_CHECKS = ("CKV_BYOK_*",)


class CheckovError(ByokError):
    """Checkov is missing or did not produce a report."""

    exit_code = 6


class Framework(enum.StrEnum):
    TERRAFORM = "terraform"
    TERRAFORM_PLAN = "terraform_plan"


@dataclass(frozen=True)
class CheckRecord:
    """One check on one resource, located well enough for a PR comment or SARIF."""

    check_id: str
    check_name: str
    resource: str
    file: Path
    lines: tuple[int, int]
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckovResult:
    passed: tuple[CheckRecord, ...]
    failed: tuple[CheckRecord, ...]

    def passed_for(self, check_id: str) -> list[CheckRecord]:
        return [record for record in self.passed if record.check_id == check_id]

    def failed_for(self, check_id: str) -> list[CheckRecord]:
        return [record for record in self.failed if record.check_id == check_id]

    def verdict(self, check_id: str, under: Path | None = None) -> tuple[set[str], set[str]]:
        """(passed, failed) resource addresses of one check, optionally only in files below ``under``.

        One run may cover several roots (CI scans the whole tree, a PR comment speaks of one dir).
        """

        def addresses(records: list[CheckRecord]) -> set[str]:
            return {r.resource for r in records if under is None or r.file.is_relative_to(under)}

        return addresses(self.passed_for(check_id)), addresses(self.failed_for(check_id))


def run_checkov(
    targets: Path | Sequence[Path],
    framework: Framework | Iterable[Framework] = Framework.TERRAFORM,
    retired_keys_file: Path | None = None,
    checks: Sequence[str] | None = None,
) -> CheckovResult:
    """Scan one directory (``-d``, recursively) and/or files (``-f``, e.g. a ``terraform show -json`` plan).

    ``retired_keys_file`` is handed to CKV_BYOK_5 through its env var; without it the variable is
    removed, so the result depends on the arguments and not on the caller's shell.
    ``checks`` limits the run (``BYOK_CHECKS`` for our pack only); None runs Checkov's own checks too.
    """
    argv, env = checkov_command(targets, framework, retired_keys_file, checks)
    completed = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    return parse_report(completed.stdout, completed.stderr)


def checkov_command(
    targets: Path | Sequence[Path],
    framework: Framework | Iterable[Framework] = Framework.TERRAFORM,
    retired_keys_file: Path | None = None,
    checks: Sequence[str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment :func:`run_checkov` runs (the benchmark runs them itself to measure memory)."""
    binary = Path(os.environ.get(BIN_ENV) or DEFAULT_BIN)
    if not os.access(binary, os.X_OK):
        raise CheckovError(
            f"Checkov not found at {binary}",
            f"run `make checkov` (creates .venv-checkov) or point {BIN_ENV} at a checkov 3.3.30 binary",
        )
    paths = [targets] if isinstance(targets, Path) else list(targets)
    directories = [path for path in paths if not path.is_file()]
    if len(directories) > 1:
        # Checkov 3.3.30 prints one cumulative report per -d and rescans every -f file each time.
        raise CheckovError(
            f"Checkov can scan one directory per run, got {len(directories)}",
            "pass their common parent directory (it scans recursively)",
        )
    frameworks = [framework] if isinstance(framework, Framework) else list(framework)
    argv = [str(binary), "--skip-download", "-o", "json", "--external-checks-dir", str(POLICY_DIR)]
    argv += ["--framework", *frameworks]
    for path in paths:
        argv += ["-f" if path.is_file() else "-d", str(path)]
    if checks:
        argv += ["--check", ",".join(checks)]
    env = dict(os.environ)
    env.pop(RETIRED_KEYS_ENV, None)
    if retired_keys_file is not None:
        env[RETIRED_KEYS_ENV] = str(retired_keys_file)
    return argv, env


def parse_report(stdout: str, stderr: str = "") -> CheckovResult:
    """Read Checkov's ``-o json``: one report object per framework, a list when several ran.

    A scan that found nothing to check prints only a summary object; that is an empty result, not an
    error. Anything that is not JSON means Checkov failed before reporting.
    """
    try:
        document = json.loads(stdout)
    except ValueError:
        last_line = (stderr.strip().splitlines() or ["no output"])[-1]
        raise CheckovError(f"Checkov produced no JSON report: {last_line}", "rerun it by hand") from None
    reports = document if isinstance(document, list) else [document]
    results = [report.get("results", {}) for report in reports]
    return CheckovResult(
        passed=tuple(_record(raw) for result in results for raw in result.get("passed_checks", [])),
        failed=tuple(_record(raw) for result in results for raw in result.get("failed_checks", [])),
    )


def _record(raw: dict[str, Any]) -> CheckRecord:
    start, end = raw.get("file_line_range") or (0, 0)
    return CheckRecord(
        check_id=raw["check_id"],
        check_name=raw.get("check_name", ""),
        resource=raw["resource"],
        file=Path(raw.get("file_abs_path") or raw["file_path"]),
        lines=(int(start), int(end)),
        details=tuple(raw.get("details") or ()),
    )
