"""JSON, for scripts and dashboards: every field of every finding, and the key timeline data."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from byok.drift.engine import DriftResult, KeySummary
from byok.drift.findings import Finding
from byok.report.options import ReportOptions
from byok.report.summary import counts


def render(result: DriftResult, options: ReportOptions) -> str:
    document = {
        "generated_at": result.generated_at.isoformat(),
        "sources": list(result.sources),
        "horizon_days": result.horizon_days,
        "fail_on": options.fail_on.value if options.fail_on else "none",
        "summary": {severity.value: n for severity, n in counts(result).items()},
        "failed": any(options.fails(f) for f in result.findings),
        "findings": [finding_document(f) for f in result.findings],
        "keys": [_key(k) for k in result.keys],
    }
    return json.dumps(document, indent=2, default=str) + "\n"


def finding_document(finding: Finding) -> dict[str, Any]:
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "title": finding.title,
        "resource": asdict(finding.resource),
        "key": finding.key,
        "generation": finding.generation,
        "detail": finding.detail,
        "remediation": finding.remediation,
        "source": finding.source,
        "material_id": finding.material_id,
        "fingerprint": finding.fingerprint,
    }


def _key(key: KeySummary) -> dict[str, Any]:
    document = asdict(key)
    document["materials"] = [
        {
            "material_id": m.material_id,
            "state": m.state.value,
            "import_state": m.import_state.value if m.import_state else None,
            "valid_to": m.valid_to.isoformat() if m.valid_to else None,
        }
        for m in key.materials
    ]
    return document
