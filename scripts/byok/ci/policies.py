"""PR step: byok's Checkov pack on the Terraform code and on the plan, kept for the comment, the gate and SARIF.

Failures do not stop this step: the comment must show them and the gate (``byok.ci.pr_comment``) decides. Both
scans run at once (two Checkov processes) because each spends most of its ~2.5 s starting up.

    python -m byok.ci.policies --code terraform --plan-json terraform/dev/byok.tfplan.json \
        --retired-keys out/retired-keys.txt --json-out out/checkov.json --sarif-out out/checkov.sarif
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from byok import __version__
from byok.checkov import BYOK_CHECKS, CheckovResult, CheckRecord, Framework, run_checkov
from byok.ci.step import run

SCANS = {"code": Framework.TERRAFORM, "plan": Framework.TERRAFORM_PLAN}


def scan(code: Path, plan_json: Path, retired_keys: Path | None) -> dict[str, CheckovResult]:
    targets = {"code": code, "plan": plan_json}
    with ThreadPoolExecutor(max_workers=len(SCANS)) as pool:
        futures = {
            name: pool.submit(run_checkov, targets[name], framework, retired_keys, BYOK_CHECKS)
            for name, framework in SCANS.items()
        }
        return {name: future.result() for name, future in futures.items()}


def to_json(results: dict[str, CheckovResult]) -> dict[str, Any]:
    """What the comment needs: counts, and every failure with the check's own explanation."""
    return {
        name: {
            "passed": len(result.passed),
            "failed": [{**asdict(r), "file": str(r.file), "lines": list(r.lines)} for r in result.failed],
        }
        for name, result in results.items()
    }


def to_sarif(results: dict[str, CheckovResult], root: Path) -> dict[str, Any]:
    """One SARIF run for both scans; plan findings point at the plan file (Terraform has no line for them)."""
    failed = [record for result in results.values() for record in result.failed]
    names = {r.check_id: r.check_name for result in results.values() for r in (*result.passed, *result.failed)}
    rule_ids = sorted(names)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "byok-checkov",
                        "version": __version__,
                        "rules": [
                            {"id": rule_id, "shortDescription": {"text": names[rule_id]}} for rule_id in rule_ids
                        ],
                    }
                },
                "results": [_sarif_result(record, rule_ids.index(record.check_id), root) for record in failed],
            }
        ],
    }


def _sarif_result(record: CheckRecord, rule_index: int, root: Path) -> dict[str, Any]:
    uri = record.file.relative_to(root) if record.file.is_relative_to(root) else record.file
    details = "; ".join(record.details)
    return {
        "ruleId": record.check_id,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": f"{record.check_name}: {record.resource}" + (f" ({details})" if details else "")},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri.as_posix().lstrip("/")},
                    "region": {"startLine": max(record.lines[0], 1)},
                },
                "logicalLocations": [{"fullyQualifiedName": record.resource, "kind": "resource"}],
            }
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m byok.ci.policies", description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, required=True, help="Terraform directory (scanned recursively)")
    parser.add_argument("--plan-json", type=Path, required=True, help="`terraform show -json` of the plan")
    parser.add_argument("--retired-keys", type=Path, help="`byok drift retired-keys` output, for CKV_BYOK_5")
    parser.add_argument("--json-out", type=Path, required=True)
    parser.add_argument("--sarif-out", type=Path, required=True)
    args = parser.parse_args(argv)
    return run(lambda: _write(args))


def _write(args: argparse.Namespace) -> int:
    results = scan(args.code, args.plan_json, args.retired_keys)
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(to_json(results), indent=2) + "\n", encoding="utf-8")
    args.sarif_out.write_text(json.dumps(to_sarif(results, Path.cwd()), indent=2) + "\n", encoding="utf-8")
    for name, result in results.items():
        print(f"checkov {name}: {len(result.passed)} passed, {len(result.failed)} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
