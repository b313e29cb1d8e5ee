"""Benchmark: ``byok drift code`` against Checkov running only our policies, on the same generated Terraform.

2,000 ``.tf`` files in 40 root modules, each module a ``variables.tf``, a ``keys.tf`` (external keys with
tags and deletion windows, aliases, a data source) and resource files of every type our Checkov policies
cover, generated from the pack's own ``KEY_ATTRIBUTES``. Each resource takes its key the way real code
does: mostly a resource, data or variable reference, a share as a literal key ARN or key ID. Both tools run
as a user runs them, as a command (Checkov through ``run_checkov``, which every byok caller uses), so each
pays its own start-up. The comparison only counts if both flag the same resources for a literal key
(byok's BYOK-D009, Checkov's CKV_BYOK_1); the bench fails otherwise. Writes bench/results/drift_code.md.

    .venv/bin/python -m bench.drift_code [--files 2000] [--rounds 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.report import Row, write_table
from byok.checkov import BYOK_CHECKS, POLICY_DIR, run_checkov

MODULES = 40
RESOURCES_PER_FILE = 3
ACCOUNT = "123456789012"


def _key_attributes() -> dict[str, tuple[str, ...]]:
    """The pack's own map of where each type keeps its key, loaded by file name as Checkov loads it.

    Generating from it means every type the policies cover is benchmarked, including types added later.
    """
    spec = importlib.util.spec_from_file_location("byok_key_attributes", POLICY_DIR / "byok_key_attributes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.KEY_ATTRIBUTES


KEY_ATTRIBUTES = _key_attributes()


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


def byok_literals(root: Path) -> set[str]:
    """``byok drift code`` as a user runs it; the resources of its hardcoded-key findings (BYOK-D009)."""
    byok = str(Path(sys.executable).with_name("byok"))
    argv = [byok, "drift", "code", "--path", str(root), "-o", "json", "--fail-on", "none"]
    # cwd outside the repo: the repo's byok.toml would add estate intent the Checkov run does not have.
    completed = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=root)
    findings = json.loads(completed.stdout)["findings"]
    return {f["resource"]["id"] for f in findings if f["rule_id"] == "BYOK-D009"}


def checkov_literals(root: Path) -> set[str]:
    """Checkov with only byok's policies (``BYOK_CHECKS``); the resources failing CKV_BYOK_1."""
    return {record.resource for record in run_checkov(root, checks=BYOK_CHECKS).failed_for("CKV_BYOK_1")}


def best_of(rounds: int, job) -> tuple[float, set[str]]:
    times, result = [], set()
    for _ in range(rounds):
        start = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - start)
    return min(times), result


def run(out: Path, files: int = 2000, rounds: int = 1) -> str:
    with tempfile.TemporaryDirectory(prefix="byok-drift-code-") as work:
        root = Path(work) / "terraform"
        expected = generate(root, files)
        written = sum(1 for _ in root.rglob("*.tf"))
        resources = MODULES * 3 + (written - 2 * MODULES) * RESOURCES_PER_FILE
        checkov_s, by_checkov = best_of(rounds, lambda: checkov_literals(root))
        byok_s, by_byok = best_of(rounds, lambda: byok_literals(root))
    for name, found in (("byok drift code", by_byok), ("Checkov", by_checkov)):
        if found != expected:
            raise RuntimeError(
                f"{name} flagged {len(found)} literal-key resources, the generator wrote {len(expected)}: "
                f"missed {sorted(expected - found)[:5]}, extra {sorted(found - expected)[:5]}"
            )
    return write_table(
        out / "drift_code.md",
        f"byok drift code vs Checkov (our policies only) on {written} generated .tf files",
        Row("Checkov 3.3.30, --check CKV_BYOK_*", checkov_s, written, "own venv, --skip-download"),
        [Row("byok drift code", byok_s, written, "the CLI, -o json")],
        [
            f"{written} files in {MODULES} root modules, {resources} resources; {len(expected)} take a literal key "
            "ARN or ID (15 % ARNs, 5 % bare IDs), the rest a resource, data or variable reference",
            f"both flag exactly those {len(expected)} resources (byok BYOK-D009, Checkov CKV_BYOK_1): same answer",
            f"byok is {checkov_s / byok_s:.1f}x faster; best of {rounds}; both as a command, start-up included",
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
