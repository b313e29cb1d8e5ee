"""What a report needs besides the findings: the CI gate, where findings land when they have no account, and
what people see listed."""

from __future__ import annotations

from dataclasses import dataclass

from byok.drift.findings import Finding, Severity


@dataclass(frozen=True)
class ReportOptions:
    fail_on: Severity | None = Severity.HIGH  # None: nothing fails (``--fail-on none``)
    account: str = "000000000000"  # Security Hub needs an account and region even for code findings
    region: str = "us-east-1"
    partition: str = "aws"
    min_severity: Severity = Severity.LOW  # what people see listed; below it, one count per rule (JSON has all)
    wide: bool = False  # tables at their natural width, whatever the terminal

    def fails(self, finding: Finding) -> bool:
        return self.fail_on is not None and finding.severity.at_least(self.fail_on)


def where(finding: Finding) -> str:
    """Where a person finds the problem: file:line for code, else the resource ID."""
    resource = finding.resource
    if resource.file:
        return f"{resource.file}:{resource.line}" if resource.line else resource.file
    return resource.id
