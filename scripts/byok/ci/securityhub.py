"""Nightly step: send `byok drift live -o asff` findings to Security Hub, 100 per call (the API's limit).

Finding IDs are fingerprints, so tonight's import updates last night's findings. A partial failure is an
error: a finding Security Hub refused is a finding nobody will see.

    python -m byok.ci.securityhub --findings out/drift.asff.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3

from byok.ci.step import run
from byok.errors import KmsError

BATCH = 100


def batches(findings: list[dict[str, Any]], size: int = BATCH) -> list[list[dict[str, Any]]]:
    return [findings[start : start + size] for start in range(0, len(findings), size)]


def send(findings: list[dict[str, Any]], client: Any) -> int:
    imported = 0
    for batch in batches(findings):
        answer = client.batch_import_findings(Findings=batch)
        if answer.get("FailedCount"):
            first = answer["FailedFindings"][0]
            raise KmsError(
                f"Security Hub refused {answer['FailedCount']} finding(s): {first.get('ErrorMessage')}",
                "check the drift-scanner role's securityhub:BatchImportFindings permission and the region",
            )
        imported += answer["SuccessCount"]
    return imported


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m byok.ci.securityhub", description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=Path, required=True, help="`byok drift live -o asff` output")
    args = parser.parse_args(argv)

    def step() -> int:
        findings = json.loads(args.findings.read_text(encoding="utf-8"))["Findings"]
        print(f"imported {send(findings, boto3.client('securityhub'))} finding(s) into Security Hub")
        return 0

    return run(step)


if __name__ == "__main__":
    sys.exit(main())
