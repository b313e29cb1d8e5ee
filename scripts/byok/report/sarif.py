"""SARIF 2.1.0 for code scanning: code findings point at file and line, others at the resource by name.

Every catalogued rule is listed in ``tool.driver.rules`` (not only the ones that fired) so that a rule that
stops firing closes its alerts. ``security-severity`` is GitHub's numeric scale for ordering alerts.
"""

from __future__ import annotations

import json
from typing import Any

from byok import __version__
from byok.drift.engine import DriftResult
from byok.drift.findings import RULES, Finding, Severity
from byok.report.options import ReportOptions

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# Code findings' paths are relative to the repository root (byok.drift.sources.code), which code-scanning
# services call %SRCROOT%.
SOURCE_ROOT = "%SRCROOT%"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def render(result: DriftResult, options: ReportOptions) -> str:
    index = {rule_id: n for n, rule_id in enumerate(RULES)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "byok-drift",
                        "version": __version__,
                        "informationUri": "https://github.com/byok/byok/tree/main/scripts/byok/drift",
                        "rules": [_rule(rule_id) for rule_id in RULES],
                    }
                },
                "columnKind": "utf16CodeUnits",
                "results": [_result(f, index[f.rule_id]) for f in result.findings],
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.rule_id,
        "name": "".join(word.capitalize() for word in rule.title.replace(":", "").split()),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": f"{rule.title}. {rule.rationale}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[rule.severity], "tags": ["security", "kms", "byok"]},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    resource = finding.resource
    if resource.file:
        location: dict[str, Any] = {
            "physicalLocation": {
                "artifactLocation": {"uri": resource.file, "uriBaseId": SOURCE_ROOT},
                "region": {"startLine": resource.line or 1},
            },
            "logicalLocations": [{"fullyQualifiedName": resource.id, "kind": "resource"}],
        }
    else:
        location = {"logicalLocations": [{"fullyQualifiedName": resource.id, "kind": "resource"}]}
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.detail}. Fix: {finding.remediation}"},
        "locations": [location],
        "partialFingerprints": {"byokFinding/v1": finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "source": finding.source,
        },
    }
