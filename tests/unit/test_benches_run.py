"""Every benchmark `make bench` runs still runs: each at a tiny size, in a process of its own, to its table.

Nothing here measures speed (that is the benchmarks' job, not a test's). What is checked is that a bench
completes against the current code and writes the rows it reports. `make bench` is not in CI, and the rotate
bench stopped at its set-up, unnoticed, once key-ceremony mode became the default on tokens that enforce
CKA_WRAP_WITH_TRUSTED (every import then waits for the security officer). Each bench runs in a subprocess
because the in-process ones reset moto's process-wide state, which other tests in this worker share.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def bench_table(call: str, out: Path) -> str:
    """Run `call` (a bench's `run(...)`, with OUT for the output folder) and return the table it wrote."""
    module = call.split(".")[0]
    code = f"from pathlib import Path\nfrom bench import {module}\n{call.replace('OUT', repr(str(out)))}\n"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return (out / f"{module}.md").read_text(encoding="utf-8")


SLOW = pytest.mark.slow

BENCHES = [
    pytest.param(
        "rotate.run(Path(OUT), keys=4, latency_ms=1.0, latency_sd_ms=0.0)",
        (
            "| byok rotate apply (concurrent, paced) |",
            "| one key after another (before) |",
            "4 in-place keys over 2 accounts x 2 regions",
        ),
        id="rotate",
        marks=SLOW,
    ),
    pytest.param(
        "drift_live.run(Path(OUT), per_scope=12, workers=4, rounds=1)",
        ("48 seeded resources", "| byok drift live, with quotas + latency |", "answered 0 ThrottlingException(s)"),
        id="drift_live",
        marks=SLOW,
    ),
    pytest.param(
        "output.run(Path(OUT), count=20)",
        tuple(f"| {row} |" for row in ("-o table (80 columns)", "-o table (--wide)", "-o json", "-o markdown")),
        id="output",
    ),
    pytest.param(
        "drift_org.run(Path(OUT), accounts=2, per_scope_resources=5, workers=4, custodian=False)",
        ("| API scan (LiveSource, role per account) |", "| Config aggregator (ConfigSource) |", "same findings: yes"),
        id="drift_org",
        marks=SLOW,
    ),
    pytest.param(
        "keys_scale.run(Path(OUT), small=20, large=40)",
        tuple(
            f"| {command}, {size} keys |"
            for size in (20, 40)
            for command in ("inventory", "drift (API scan)", "drift (Config source)")
        ),
        id="keys_scale",
        marks=SLOW,
    ),
]


@pytest.mark.parametrize(("call", "expected"), BENCHES)
def test_bench_runs_to_its_table(call: str, expected: tuple[str, ...], tmp_path: Path) -> None:
    table = bench_table(call, tmp_path)
    missing = [fragment for fragment in expected if fragment not in table]
    assert not missing, f"{call} wrote a table without {missing}:\n{table}"
