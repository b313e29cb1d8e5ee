"""Precision and recall of both tools on the real-world corpus, and the same answer from both.

Ground truth is written in the corpus itself (``# expect: literal`` at the end of a line, and
``expected.json`` for lines that cannot carry a comment and for unreadable files); see its README.
``byok drift code`` must find every literal key and every unreadable file and nothing else (>= 98 %).
The Checkov pack must give the same answer wherever Checkov lets a check look: the literals it cannot
see are derived from Checkov's own limits (files it does not read, blocks it has no check type for), never
listed by hand, and everything else must match byok's findings exactly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from byok.checkov import CheckovResult
from byok.drift.engine import scan
from byok.drift.intent import Intent
from byok.drift.sources.code import CodeSource
from byok.keyscan.scan import DirectoryScan, scan_tree, source_files

pytestmark = pytest.mark.checkov

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"
MARK = "# expect: literal"
THRESHOLD = 0.98
UNCHECKED_BLOCKS = {"terraform": "backend blocks", "output": "outputs"}  # Checkov has no check type for them
VALUE_BLOCKS = ("variable", "locals", "tfvars")


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


def checkov_literals(result: CheckovResult) -> set[str]:
    """``file:line`` of every literal the pack's failures name (details are relative to the block's file)."""
    found = set()
    for record in result.failed_for("CKV_BYOK_1"):
        for detail in record.details:
            name, line = re.match(r"(.+?):(\d+): ", detail).groups()  # type: ignore[union-attr]
            found.add(f"{(record.file.parent / name).relative_to(CORPUS).as_posix()}:{line}")
    return found


def unseen_by_checkov(directories: list[DirectoryScan]) -> dict[str, str]:
    """Literal locations Checkov gives no check a chance to see, and why, from Checkov's documented limits."""
    unreadable = {u.file for d in directories for u in d.unreadable}
    linked = {
        p.relative_to(CORPUS).as_posix()
        for p in source_files(CORPUS)
        if any((CORPUS / parent).is_symlink() for parent in p.relative_to(CORPUS).parents)
    }
    unseen: dict[str, str] = {}
    for directory in directories:
        visible_flows = {
            flow.name for flow in directory.flows if not flow.file.endswith(".json") and flow.file not in unreadable
        }
        for lit in directory.literals:
            where = f"{lit.file}:{lit.line}"
            if lit.file.endswith(".json"):
                unseen[where] = "Checkov 3.3.30 does not read .tf.json / .tfvars.json"
            elif lit.file in unreadable:
                unseen[where] = "Checkov skips files it cannot parse"
            elif lit.file in linked:
                unseen[where] = "Checkov does not follow symlinked directories"
            elif lit.block_kind in UNCHECKED_BLOCKS:
                unseen[where] = f"Checkov has no check type for {UNCHECKED_BLOCKS[lit.block_kind]}"
            elif lit.block_kind in VALUE_BLOCKS and lit.address not in visible_flows:
                unseen[where] = "the value reaches no block Checkov checks"
    return unseen


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


def test_the_pack_finds_every_literal_checkov_lets_it_see(corpus_scan: CheckovResult) -> None:
    expected, _ = truth()
    unseen = unseen_by_checkov(list(scan_tree(CORPUS)))
    in_sight = expected - set(unseen)
    found = checkov_literals(corpus_scan)
    precision, recall = precision_recall(found, in_sight)
    assert (precision, recall) >= (THRESHOLD, THRESHOLD), (
        f"precision {precision:.1%}, recall {recall:.1%}: missed {sorted(in_sight - found)}, "
        f"wrong {sorted(found - in_sight)}"
    )
    assert len(in_sight) >= 35


def test_both_tools_give_the_same_answer(corpus_scan: CheckovResult, byok_findings) -> None:
    """Everything the pack reports, byok reports; whatever byok reports beyond it, Checkov cannot see."""
    by_pack = checkov_literals(corpus_scan)
    unseen = unseen_by_checkov(list(scan_tree(CORPUS)))
    assert by_pack <= byok_findings[0]
    assert byok_findings[0] - by_pack == set(unseen) & byok_findings[0]
    assert set(unseen.values()) >= {
        "Checkov 3.3.30 does not read .tf.json / .tfvars.json",
        "Checkov has no check type for backend blocks",
    }
