"""docs/walkthrough.md, Part 1, run as written: every command of its ``sh`` blocks, in order, in one shell.

The commands run in a fresh directory with the project's virtual environment first on PATH, as the walkthrough
tells a reader to, against the embedded default it starts itself (``byok sandbox up``). A command
fails the test when it exits non-zero; what a ``-o json`` step prints must match the documented schema. The
sandbox is stopped whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from support.output_schema import schema

REPO = Path(__file__).resolve().parents[2]
WALKTHROUGH = REPO / "docs" / "walkthrough.md"
PART_1 = re.compile(r"## Part 1:.*?(?=^## )", re.S | re.M)
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)

pytestmark = [pytest.mark.slow, pytest.mark.terraform]


def walkthrough_commands() -> list[str]:
    part = PART_1.search(WALKTHROUGH.read_text(encoding="utf-8"))
    assert part, "docs/walkthrough.md has no '## Part 1:' section"
    lines = [line.strip() for block in SH_BLOCK.findall(part.group(0)) for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def script(commands: list[str], out: Path) -> str:
    """One bash script: each step's output in its own files, the first failing step stops the run."""
    steps = []
    for number, command in enumerate(commands):
        target = shlex.quote(str(out / f"{number:02d}"))
        steps.append(
            f"{{ {command} ; }} >{target}.out 2>{target}.err; rc=$?\n"
            f'if [ "$rc" != 0 ]; then echo "step {number} exited $rc: {command}" >&2; exit 1; fi'
        )
    return "set -u\n" + "\n".join(steps) + "\n"


def test_the_walkthrough_commands_include_what_a_user_needs():
    commands = walkthrough_commands()
    assert commands[0].startswith("byok sandbox up") and "byok sandbox down" in commands[-1]
    ran = " ".join(commands)
    for step in ("terraform apply", "rotate apply", "rotate propose", "rotate verify", "drift live", "drift report"):
        assert f"byok {step}" in ran
    assert ran.index("byok rotate apply") < ran.index("byok rotate propose") < ran.index("byok rotate verify")


def test_every_walkthrough_command_runs_in_order(tmp_path):
    commands = walkthrough_commands()
    out = tmp_path / "steps"
    out.mkdir()
    work = tmp_path / "reader"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BYOK_", "TF_", "SOFTHSM2_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    try:
        result = subprocess.run(
            ["bash", "-c", script(commands, out)], cwd=work, env=env, capture_output=True, text=True, timeout=900
        )
        failed = result.stderr.strip()
        if result.returncode:
            step = failed.split(" ")[1] if failed.startswith("step ") else None
            detail = (out / f"{int(step):02d}.err").read_text() if step else ""
            pytest.fail(f"{failed}\n{detail[-3000:]}")
    finally:
        subprocess.run(
            [sys.executable, "-m", "byok.ci.sandbox", "down", str(work / ".work" / "try" / "sandbox")],
            capture_output=True,
            timeout=60,
            check=False,
        )
    for number, command in enumerate(commands):
        if " -o json" in command:
            jsonschema.validate(_json(out / f"{number:02d}.out"), schema())
    verify = next(n for n, c in enumerate(commands) if c.startswith("byok rotate verify") and "-o json" in c)
    assert all(row["ok"] for row in _json(out / f"{verify:02d}.out")["rows"])
    assert (work / ".work" / "try" / "estate" / "report" / "drift-report.html").exists()


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
