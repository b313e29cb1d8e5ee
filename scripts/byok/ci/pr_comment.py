"""PR step: one Markdown comment from the plan, the Checkov pack and the drift check, then the merge gate.

The comment is written before the gate decides, so a blocked PR still says why. Blocking: any failure of
byok's Checkov pack, or any drift finding at or above ``--fail-on`` (a data store the plan would replace
fails both: CKV_BYOK_6 and BYOK-D010). The first line is a marker so hosts can update one comment in place.

    python -m byok.ci.pr_comment --env dev --plan-json terraform/dev/byok.tfplan.json \
        --checkov out/checkov.json --drift out/drift.json --output out/pr-comment.md --fail-on high
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from byok.ci.step import run
from byok.drift.findings import Severity

MARKER = "<!-- byok-pr-check -->"
FAIL_ON = ("critical", "high", "medium", "low", "none")


def actions_of(change: dict[str, Any]) -> str:
    actions = change["change"]["actions"]
    return "replace" if set(actions) == {"delete", "create"} else "-".join(actions)


def plan_section(plan: dict[str, Any]) -> list[str]:
    changes = [c for c in plan.get("resource_changes", []) if actions_of(c) not in ("no-op", "read")]
    counts = Counter(actions_of(c) for c in changes)
    summary = ", ".join(f"{n} to {action}" for action, n in sorted(counts.items())) or "no changes"
    lines = ["### Terraform plan", "", summary + ".", ""]
    if changes:
        lines += ["| Resource | Action |", "|---|---|"]
        for change in changes:
            action = actions_of(change)
            paths = [".".join(map(str, p)) for p in change["change"].get("replace_paths") or []]
            because = f" (because of `{'`, `'.join(paths)}`)" if action == "replace" and paths else ""
            lines.append(f"| `{change['address']}` | {'**replace**' if action == 'replace' else action}{because} |")
        lines.append("")
    return lines


def checkov_section(checkov: dict[str, Any]) -> list[str]:
    lines = ["### Policies (Checkov, byok pack)", ""]
    lines += [f"- {name}: {scan['passed']} passed, {len(scan['failed'])} failed" for name, scan in checkov.items()]
    failed = [(name, record) for name, scan in checkov.items() for record in scan["failed"]]
    if failed:
        lines += ["", "| Check | Scan | Resource | Requirement |", "|---|---|---|---|"]
        lines += [f"| {r['check_id']} | {n} | `{r['resource']}` | {r['check_name']} |" for n, r in failed]
    return [*lines, ""]


def drift_section(drift: dict[str, Any]) -> list[str]:
    findings = drift["findings"]
    summary = ", ".join(f"{n} {severity}" for severity, n in drift["summary"].items() if n) or "no findings"
    lines = ["### Drift on the plan (`byok drift plan`)", "", summary + ".", ""]
    if findings:
        lines += ["| Severity | Rule | Resource | Detail |", "|---|---|---|---|"]
        lines += [f"| {f['severity']} | {f['rule_id']} | `{f['resource']['id']}` | {f['detail']} |" for f in findings]
        lines.append("")
    return lines


def blocking(checkov: dict[str, Any], drift: dict[str, Any], fail_on: str) -> list[str]:
    """One line per reason, each naming the rule, the resource and what is wrong."""
    reasons = [
        f"{r['check_id']} fails on `{r['resource']}` ({name} scan), which must hold: {r['check_name']}"
        for name, scan in checkov.items()
        for r in scan["failed"]
    ]
    if fail_on != "none":
        threshold = Severity(fail_on)
        reasons += [
            f"{f['rule_id']} ({f['severity']}) on `{f['resource']['id']}`: {f['detail']}"
            for f in drift["findings"]
            if Severity(f["severity"]).at_least(threshold)
        ]
    return reasons


def compose(environment: str, plan: dict[str, Any], checkov: dict[str, Any], drift: dict[str, Any], fail_on: str):
    reasons = blocking(checkov, drift, fail_on)
    verdict = f"❌ blocked ({len(reasons)} reason(s))" if reasons else "✅ passes the checks"
    lines = [MARKER, f"## byok: {environment} {verdict}", ""]
    if reasons:
        lines += ["**Why this PR cannot merge:**", "", *(f"- {reason}" for reason in reasons), ""]
    lines += plan_section(plan) + checkov_section(checkov) + drift_section(drift)
    return "\n".join(lines), reasons


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m byok.ci.pr_comment", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, help="environment the plan is for")
    parser.add_argument("--plan-json", type=Path, required=True)
    parser.add_argument("--checkov", type=Path, required=True, help="written by byok.ci.policies")
    parser.add_argument("--drift", type=Path, required=True, help="`byok drift plan -o json`")
    parser.add_argument("--output", type=Path, required=True, help="the comment, Markdown")
    parser.add_argument("--fail-on", choices=FAIL_ON, default="high", help="drift severity that blocks")
    args = parser.parse_args(argv)
    return run(lambda: _write(args))


def _write(args: argparse.Namespace) -> int:
    text, reasons = compose(args.env, _read(args.plan_json), _read(args.checkov), _read(args.drift), args.fail_on)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    for reason in reasons:
        print(f"byok-ci: blocked: {reason}", file=sys.stderr)
    return 1 if reasons else 0


if __name__ == "__main__":
    sys.exit(main())
