"""Precision and recall of both tools on the real-world corpus, and the same answer from both.

Ground truth is written in the corpus itself (``# expect: literal`` at the end of a line, and
``expected.json`` for lines that cannot carry a comment and for unreadable files); see its README.
``byok drift code`` and the Checkov pack must each find every literal key and nothing else (>= 98 %), and
give the same answer, each literal once. The pack reports the literals Checkov never shows a check (files it
does not read, blocks it has no check type for) with the first block it judges nearby
(``byok.keyscan.checkov_view``); the only ones it cannot report are derived from Checkov's behaviour (a scan
where Checkov checks no block runs no check), never listed by hand.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from byok.checkov import CheckovResult, checkov_command, parse_report, run_checkov
from byok.drift.engine import scan
from byok.drift.intent import Intent
from byok.drift.sources.code import CodeSource
from byok.keyscan.checkov_view import sweep_plan
from byok.keyscan.scan import source_files

pytestmark = pytest.mark.checkov

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"
MARK = "# expect: literal"
THRESHOLD = 0.98


def truth() -> tuple[set[str], set[str]]:
    """(``file:line`` of every literal key, every unreadable file), relative to the corpus."""
    expected = json.loads((CORPUS / "expected.json").read_text())
    literals = set(expected["literal"])
    for path in source_files(CORPUS):
        lines = path.read_bytes().decode("latin-1").splitlines()
        relative = path.relative_to(CORPUS).as_posix()
        literals |= {f"{relative}:{n}" for n, line in enumerate(lines, 1) if line.rstrip().endswith(MARK)}
    return literals, set(expected["unreadable"])


def precision_recall(found: set[str], expected: set[str]) -> tuple[float, float]:
    right = len(found & expected)
    return (right / len(found) if found else 1.0), (right / len(expected) if expected else 1.0)


@pytest.fixture(scope="module")
def byok_findings() -> tuple[set[str], set[str]]:
    result = scan([CodeSource(CORPUS, base=CORPUS)], Intent())
    literal = {f"{f.resource.file}:{f.resource.line}" for f in result.findings if f.rule_id == "BYOK-D009"}
    unreadable = {f.resource.file for f in result.findings if f.rule_id == "BYOK-D013"}
    return literal, unreadable


def checkov_reports(result: CheckovResult) -> tuple[list[str], list[str]]:
    """(``file:line`` of every literal, every unreadable file) the pack's failures name, once per mention.

    Details are relative to the block's file: what Checkov shows no check is reported with another block
    (``byok.keyscan.checkov_view``).
    """
    literals, unreadable = [], []
    for record in result.failed_for("CKV_BYOK_1"):
        for detail in record.details:
            if detail.startswith("the same block as "):
                continue  # another instance of a for_each block: its literals are listed once, with the first
            name, line = re.match(r"(.+?)(?::(\d+))?: ", detail).groups()  # type: ignore[union-attr]
            where = Path(os.path.normpath(record.file.parent / name)).relative_to(CORPUS).as_posix()
            if line:
                literals.append(f"{where}:{line}")
            else:
                unreadable.append(where)
    return literals, unreadable


def unreachable() -> set[str]:
    """Literals no check can report: those under a scan where Checkov checks no block (so runs no check)."""
    nowhere = sweep_plan(CORPUS).get(None)
    return {f"{u.literal.file}:{u.literal.line}" for u in nowhere.literals} if nowhere else set()


def test_byok_finds_every_literal_key_and_nothing_else(byok_findings) -> None:
    expected, _ = truth()
    precision, recall = precision_recall(byok_findings[0], expected)
    assert (precision, recall) >= (THRESHOLD, THRESHOLD), (
        f"precision {precision:.1%}, recall {recall:.1%}: missed {sorted(expected - byok_findings[0])}, "
        f"wrong {sorted(byok_findings[0] - expected)}"
    )
    assert len(expected) >= 45  # the corpus is not allowed to shrink into a trivial pass


def test_byok_reports_every_unreadable_file(byok_findings) -> None:
    _, expected = truth()
    assert byok_findings[1] == expected


def test_the_pack_finds_every_literal_key_and_nothing_else(corpus_scan: CheckovResult) -> None:
    expected, _ = truth()
    found = set(checkov_reports(corpus_scan)[0])
    precision, recall = precision_recall(found, expected)
    assert (precision, recall) >= (THRESHOLD, THRESHOLD), (
        f"precision {precision:.1%}, recall {recall:.1%}: missed {sorted(expected - found)}, "
        f"wrong {sorted(found - expected)}; unreachable for Checkov: {sorted(unreachable())}"
    )


def test_both_tools_give_the_same_answer_once(corpus_scan: CheckovResult, byok_findings) -> None:
    """The pack reports exactly byok's literals and unreadable files, each once, but those no check can see."""
    literals, unreadable = checkov_reports(corpus_scan)
    assert set(literals) == byok_findings[0] - unreachable()
    assert set(unreadable) == byok_findings[1]
    assert sorted(literals + unreadable) == sorted({*literals, *unreadable})  # nothing swept twice


def test_the_corpus_holds_every_place_checkov_hides() -> None:
    """Each way a literal escapes Checkov's checks has cases here, so the sweep is measured on all of them."""
    reasons = {u.reason for sweep in sweep_plan(CORPUS).values() for u in sweep.literals}
    assert {
        "Checkov does not read .tf.json files",
        "Checkov skips files it cannot parse",
        "Checkov does not follow symlinked directories",
        "Checkov skips hidden and ignored directories",
        "Checkov has no check type for backend blocks",
        "Checkov has no check type for output blocks",
        "no block Checkov checks uses the value",
    } <= reasons


def test_where_checkov_checks_no_block_it_runs_no_check_to_report_with(tmp_path: Path) -> None:
    """The one case the pack cannot report, predicted by the model and confirmed by Checkov itself."""
    key = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
    (tmp_path / "outputs.tf").write_text(f'output "key" {{\n  value = "{key}"\n}}\n')
    (tmp_path / "main.tf.json").write_text(
        json.dumps({"resource": {"aws_sqs_queue": {"q": {"kms_master_key_id": key}}}})
    )
    predicted = sweep_plan(tmp_path)
    assert set(predicted) == {None} and len(predicted[None].literals) == 2
    result = run_checkov(tmp_path, checks=["CKV_BYOK_1"])
    assert (result.passed, result.failed) == ((), ())


SKIP_CASES = {
    "no skip path": [],
    "--skip-path": ["--skip-path", "legacy"],
    "config file": ["--config-file", "{root}/checkov.yaml"],
}


@pytest.mark.parametrize("how", SKIP_CASES)
def test_the_sweep_reports_nothing_the_run_was_told_to_skip(tmp_path: Path, how: str) -> None:
    """A skip path reaches the pack however it was given (the run's filter, not its argv), confirmed by Checkov."""
    key = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
    root = tmp_path / "estate"
    (root / "legacy").mkdir(parents=True)
    (root / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    (root / "outputs.tf").write_text(f'output "kept" {{\n  value = "{key}"\n}}\n')
    (root / "legacy" / "outputs.tf").write_text(f'output "old" {{\n  value = "{key}"\n}}\n')
    (root / "checkov.yaml").write_text("skip-path:\n  - legacy\n")
    argv, env = checkov_command(root, checks=["CKV_BYOK_1"])
    argv += [arg.format(root=root) for arg in SKIP_CASES[how]]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    details = [d for record in parse_report(done.stdout, done.stderr).failed_for("CKV_BYOK_1") for d in record.details]
    reported = {detail.split(":", 1)[0] for detail in details}
    assert reported == ({"outputs.tf"} if SKIP_CASES[how] else {"outputs.tf", "legacy/outputs.tf"}), details
