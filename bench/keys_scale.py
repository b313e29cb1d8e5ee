"""Benchmark: 100,000 imported keys in one account and region (KMS's default resource quota).

Seeds the keys straight into the in-process sandbox's KMS backend (``byok.sandbox.seed``: creating and
importing 100,000 keys through the API would take longer than everything measured), a recorder for the Config
source, then runs, each in a process of its own so that its peak memory is its own, ``byok inventory``,
``byok drift live`` (API scan) and ``byok drift live --source config`` against the endpoint, at 10,000 keys and
again at 100,000. Reports wall time, cost per key, the ratio of per-key cost at the large size to the small one
(target: linear within 1.2x) and peak RSS (target: < 1 GB). The endpoint answers in the bench's own process:
its time is part of the wall time (a real KMS would answer in parallel on its side), its memory is not.
Writes bench/results/keys_scale.md. About 40 minutes on 2 cores: ``make bench-scale`` runs it, ``make bench``
leaves it out.

    .venv/bin/python -m bench.keys_scale [--small 10000] [--large 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

from bench.report import Row, write_table
from byok.sandbox.seed import imported_keys
from byok.sandbox.server import LocalEndpoint

ACCOUNT = "123456789012"
REGION = "eu-west-1"
LOCAL = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION}
REPO = Path(__file__).resolve().parents[1]
COMMANDS = {
    "inventory": ["inventory", "--region", REGION, "-o", "json"],
    "drift (API scan)": ["drift", "live", "--regions", REGION, "-o", "json", "--fail-on", "none"],
    "drift (Config source)": [
        *("drift", "live", "--regions", REGION, "--source", "config", "-o", "json", "--fail-on", "none")
    ],
}


def child(argv: list[str]) -> None:
    """Run one byok command in this process, output discarded; print its wall time and peak RSS."""
    from byok.cli.main import main

    started = time.perf_counter()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        code = main(argv)
    seconds = time.perf_counter() - started
    print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak_rss_mb()}), file=sys.stderr)


def peak_rss_mb() -> float:
    """VmHWM, this process's own high-water mark (ru_maxrss keeps the forking parent's across exec on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(url: str, command: list[str]) -> dict:
    env = {**os.environ, **LOCAL, "BYOK_AWS_ENDPOINT": url, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "bench.keys_scale", "--child", *command, "--endpoint-url", url]
    with tempfile.TemporaryDirectory() as empty:  # no byok.toml: the account and region given, nothing else
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=empty, check=False)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    if result["code"] not in (0, 1):
        raise RuntimeError(f"{command} failed: {done.stderr[-2000:]}")
    return result


def record(url: str) -> None:
    local = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    config = boto3.client("config", endpoint_url=url, region_name=REGION, **local)
    role = f"arn:aws:iam::{ACCOUNT}:role/config"
    recorder = {"name": "default", "roleARN": role, "recordingGroup": {"allSupported": True}}
    config.put_configuration_recorder(ConfigurationRecorder=recorder)
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-delivery"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")


def run(out: Path, small: int = 10_000, large: int = 100_000) -> str:
    results: dict[int, dict[str, dict]] = {}
    seeding: dict[int, float] = {}
    with LocalEndpoint() as endpoint:
        record(endpoint.url)
        seeded = 0
        for size in (small, large):
            started = time.perf_counter()
            imported_keys(ACCOUNT, REGION, size - seeded, lambda n: {"byok:key": f"scale-{n}"})
            seeding[size] = time.perf_counter() - started
            seeded = size
            results[size] = {name: measure(endpoint.url, command) for name, command in COMMANDS.items()}
    baseline = results[small]["inventory"]
    rows = [
        Row(f"{name}, {size:,} keys", result["seconds"], size, f"peak RSS {result['peak_mb']:.0f} MB")
        for size in (small, large)
        for name, result in results[size].items()
        if (size, name) != (small, "inventory")
    ]
    notes = [
        f"keys seeded straight into the sandbox backend: {small:,} in {seeding[small]:.1f} s, "
        f"{large - small:,} more in {seeding[large]:.1f} s (not timed)",
        *(
            f"{name}: per-key cost at {large:,} / at {small:,} = "
            f"{(results[large][name]['seconds'] / large) / (results[small][name]['seconds'] / small):.2f}x "
            f"(target <= 1.2x); peak RSS {results[large][name]['peak_mb']:.0f} MB (target < 1,024 MB)"
            for name in COMMANDS
        ),
        "each command runs in its own process against the in-process endpoint; the endpoint's CPU is in the wall time",
    ]
    return write_table(
        out / "keys_scale.md",
        "100,000 keys in one account-region: inventory and drift",
        Row(f"inventory, {small:,} keys", baseline["seconds"], small, f"peak RSS {baseline['peak_mb']:.0f} MB"),
        rows,
        notes,
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    print(run(args.out, args.small, args.large))


if __name__ == "__main__":
    main()
