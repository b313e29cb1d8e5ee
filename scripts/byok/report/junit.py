"""JUnit XML for CI dashboards: one suite per rule, one test case per rule and resource.

A finding at or above ``--fail-on`` is a failure; one below it passes with the finding in its output, so
the dashboard still shows it. A rule with nothing to report gets a single passing case, so it is visibly run.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - builds XML, never parses untrusted input

from byok.drift.engine import DriftResult
from byok.drift.findings import RULES
from byok.report.options import ReportOptions, where


def render(result: DriftResult, options: ReportOptions) -> str:
    root = ET.Element("testsuites", name="byok drift")
    total = failed = 0
    for rule_id, rule in RULES.items():
        findings = [f for f in result.findings if f.rule_id == rule_id]
        suite = ET.SubElement(root, "testsuite", name=f"{rule_id} {rule.title}")
        failures = 0
        for finding in findings:
            case = ET.SubElement(suite, "testcase", classname=rule_id, name=where(finding))
            if options.fails(finding):
                failures += 1
                failure = ET.SubElement(case, "failure", message=finding.detail, type=finding.severity.value)
                failure.text = f"{finding.detail}\nFix: {finding.remediation}"
            else:
                ET.SubElement(case, "system-out").text = f"[{finding.severity.value}] {finding.detail}"
        if not findings:
            ET.SubElement(suite, "testcase", classname=rule_id, name="no findings")
        cases = max(len(findings), 1)
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total += cases
        failed += failures
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
