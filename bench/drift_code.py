"""Benchmark: ``byok drift code`` against Checkov running only our policies, on the same generated Terraform.

2,000 ``.tf`` files in 40 root modules, each module a ``variables.tf``, a ``keys.tf`` (external keys with
tags and deletion windows, aliases, a data source) and resource files of every type of byok's catalogue
(``byok.keyscan.catalogue``, which the pack uses too), each with its key in the catalogued attribute. Each
resource takes its key the way real code does: mostly a resource, data or variable reference, a share as a
literal key ARN or key ID. Both tools run as a user runs them, as a command with the argv ``run_checkov``
builds, so each pays its own start-up; each runs as its own child process, whose peak resident memory
comes from ``wait4``. The comparison only counts if both flag the same resources for a literal key
(byok's BYOK-D009, Checkov's CKV_BYOK_1); the bench fails otherwise. Target: byok at least 20x faster,
both peaks reported, byok's under 200 MB. Writes bench/results/drift_code.md.

    .venv/bin/python -m bench.drift_code [--files 2000] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.report import Row, write_table
from byok.checkov import BYOK_CHECKS, checkov_command, parse_report
from byok.keyscan.catalogue import RESOURCES

MODULES = 40
RESOURCES_PER_FILE = 3
ACCOUNT = "123456789012"


# One catalogued path per type: where the generated resource holds its key.
KEY_ATTRIBUTES = {rtype: tuple(paths[0].split(".")) for rtype, paths in RESOURCES.items()}
TARGET_RATIO = 20.0
TARGET_PEAK_MB = 200.0


def resource_block(rtype: str, name: str, key: str) -> str:
    """A resource whose key sits where the pack looks for it, in nested blocks where the path has them."""
    *blocks, attribute = KEY_ATTRIBUTES[rtype]
    body = [f"{attribute} = {key}"]
    for block in reversed(blocks):
        body = [f"{block} {{", *(f"  {line}" for line in body), "}"]
    lines = [f'resource "{rtype}" "{name}" {{', f'  tags = {{ Name = "{name}" }}', *(f"  {line}" for line in body)]
    return "\n".join([*lines, "}", ""])


KEYS_TF = """resource "aws_kms_external_key" "app_{m}" {{
  description             = "app key, module {m}"
  deletion_window_in_days = {window}
  tags = {{
    "byok:managed"   = "true"
    "byok:next-due"  = "2027-06-01"
    "byok:generation" = "1"
  }}
}}

resource "aws_kms_key" "main_{m}" {{
  description             = "main key, module {m}"
  deletion_window_in_days = 30
}}

resource "aws_kms_alias" "app_{m}" {{
  name          = "alias/app-{m}"
  target_key_id = aws_kms_external_key.app_{m}.id
}}

data "aws_kms_alias" "app_{m}" {{
  name = "alias/app-{m}"
}}
"""
VARIABLES_TF = """variable "kms_key_arn" {
  type        = string
  description = "Key for this stack, from the key module's outputs"
}
"""


def key_expression(rng: random.Random, module: int) -> tuple[str, bool]:
    """(HCL value, whether it is a literal key): 80 % references, 15 % key ARNs, 5 % bare key IDs."""
    draw = rng.random()
    key_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if draw < 0.15:
        return f'"arn:aws:kms:eu-central-1:{ACCOUNT}:key/{key_id}"', True
    if draw < 0.20:
        return f'"{key_id}"', True
    references = (
        f"aws_kms_key.main_{module}.arn",
        f"data.aws_kms_alias.app_{module}.target_key_arn",
        "var.kms_key_arn",
    )
    return rng.choice(references), False


def generate(root: Path, files: int, seed: int = 4) -> set[str]:
    """Write ``files`` .tf files under ``root``; return the addresses of resources given a literal key."""
    rng = random.Random(seed)  # noqa: S311 - the same estate every run, not a secret
    literal: set[str] = set()
    per_module = files // MODULES
    for m in range(MODULES):
        module = root / f"stack-{m:02d}"
        module.mkdir(parents=True)
        (module / "variables.tf").write_text(VARIABLES_TF, encoding="utf-8")
        window = 30 if m % 5 else 7  # a few short windows for the deletion-window policy to fail
        (module / "keys.tf").write_text(KEYS_TF.format(m=m, window=window), encoding="utf-8")
        count = per_module if m < MODULES - 1 else files - per_module * (MODULES - 1)
        for f in range(count - 2):
            blocks = []
            for r in range(RESOURCES_PER_FILE):
                rtype = rng.choice(list(KEY_ATTRIBUTES))
                name = f"m{m}_f{f}_r{r}"
                key, is_literal = key_expression(rng, m)
                blocks.append(resource_block(rtype, name, key))
                if is_literal:
                    literal.add(f"{rtype}.{name}")
            (module / f"app_{f:03d}.tf").write_text("\n".join(blocks), encoding="utf-8")
    return literal


def measured(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, float, str]:
    """(seconds, peak resident MB, stdout) of one command run as its own child process."""
    with tempfile.TemporaryFile("w+") as stdout:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        return seconds, usage.ru_maxrss / 1024, stdout.read()


def byok_literals(root: Path) -> tuple[float, float, set[str]]:
    """``byok drift code`` as a user runs it; the resources of its hardcoded-key findings (BYOK-D009)."""
    byok = str(Path(sys.executable).with_name("byok"))
    argv = [byok, "drift", "code", "--path", str(root), "-o", "json", "--fail-on", "none"]
    # cwd outside the repo: the repo's byok.toml would add estate intent the Checkov run does not have.
    seconds, peak, out = measured(argv, cwd=root)
    findings = json.loads(out)["findings"]
    return seconds, peak, {f["resource"]["id"] for f in findings if f["rule_id"] == "BYOK-D009"}


def checkov_literals(root: Path) -> tuple[float, float, set[str]]:
    """Checkov with only byok's policies (``BYOK_CHECKS``); the resources failing CKV_BYOK_1."""
    argv, env = checkov_command(root, checks=BYOK_CHECKS)
    seconds, peak, out = measured(argv, env=env)
    return seconds, peak, {record.resource for record in parse_report(out).failed_for("CKV_BYOK_1")}


def best_of(rounds: int, job) -> tuple[float, float, set[str]]:
    runs = [job() for _ in range(rounds)]
    return min(run[0] for run in runs), max(run[1] for run in runs), runs[-1][2]


def run(out: Path, files: int = 2000, rounds: int = 1) -> str:
    with tempfile.TemporaryDirectory(prefix="byok-drift-code-") as work:
        root = Path(work) / "terraform"
        expected = generate(root, files)
        written = sum(1 for _ in root.rglob("*.tf"))
        resources = MODULES * 3 + (written - 2 * MODULES) * RESOURCES_PER_FILE
        # byok first: a child's peak includes the pages it shares with this process when it starts, and
        # parsing Checkov's report of thousands of records grows this process by tens of MB.
        byok_s, byok_mb, by_byok = best_of(rounds, lambda: byok_literals(root))
        checkov_s, checkov_mb, by_checkov = best_of(rounds, lambda: checkov_literals(root))
    for name, found in (("byok drift code", by_byok), ("Checkov", by_checkov)):
        if found != expected:
            raise RuntimeError(
                f"{name} flagged {len(found)} literal-key resources, the generator wrote {len(expected)}: "
                f"missed {sorted(expected - found)[:5]}, extra {sorted(found - expected)[:5]}"
            )
    ratio = checkov_s / byok_s
    met = ratio >= TARGET_RATIO and byok_mb < TARGET_PEAK_MB
    return write_table(
        out / "drift_code.md",
        f"byok drift code vs Checkov (our policies only) on {written} generated .tf files",
        Row(
            "Checkov 3.3.30, --check CKV_BYOK_*",
            checkov_s,
            written,
            f"own venv, --skip-download; peak {checkov_mb:.0f} MB",
        ),
        [Row("byok drift code", byok_s, written, f"the CLI, -o json; peak {byok_mb:.0f} MB")],
        [
            f"{written} files in {MODULES} root modules, {resources} resources of {len(KEY_ATTRIBUTES)} catalogued "
            f"types; {len(expected)} take a literal key ARN or ID (15 % ARNs, 5 % bare IDs), the rest a resource, "
            "data or variable reference",
            f"both flag exactly those {len(expected)} resources (byok BYOK-D009, Checkov CKV_BYOK_1): same answer",
            f"byok is {ratio:.1f}x faster; peak resident memory byok {byok_mb:.0f} MB, Checkov {checkov_mb:.0f} MB "
            f"(each its own process, from wait4); best of {rounds}; both as a command, start-up included",
            f"target (>= {TARGET_RATIO:.0f}x faster, byok peak < {TARGET_PEAK_MB:.0f} MB): "
            + ("met" if met else "NOT met"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(run(args.out, args.files, args.rounds))


if __name__ == "__main__":
    main()
