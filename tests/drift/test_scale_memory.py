"""Memory stays flat as the estate grows: inventory, the live scan and the Config source stream.

Keys are seeded straight into the sandbox's backend (byok.sandbox.seed): the API would take minutes for this.
Each consumer runs in a process of its own so that its peak is its own, not the in-process server's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.drift.conftest import aws

from byok.sandbox.seed import imported_keys
from support.accounts import start_recorder
from support.sandbox import ACCOUNT_ID, REGION

KEYS = 400
PAGE = 50  # ListKeys page in the probe: the estate spans several pages, as 100,000 keys span 100 of 1,000
FLAT_BYTES_PER_KEY = 500  # in-flight responses and allocator noise; a held inventory entry is ~1.3 KB
TESTS = Path(__file__).resolve().parents[1]


def peak(url: str, subject: str, *flags: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(TESTS), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    probe = [sys.executable, "-m", "support.memory_probe", subject, url, REGION]
    argv = [*probe, "--page", str(PAGE), "--items", str(KEYS), *flags]
    return json.loads(subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout)


@pytest.fixture(scope="module")
def peaks(sandbox) -> dict[str, dict]:
    sandbox.reset()
    start_recorder(aws(sandbox, "config"), ACCOUNT_ID)
    imported_keys(ACCOUNT_ID, REGION, KEYS, lambda n: {"byok:key": f"scale-{n}"})
    measured = {subject: peak(sandbox.url, subject) for subject in ("inventory", "live", "config")}
    measured["holding"] = peak(sandbox.url, "inventory", "--hold")
    return measured


def growth_per_key(measured: dict) -> float:
    """How much higher memory peaked over the second half of the keys than over the first, per key."""
    return (measured["second_half"] - measured["first_half"]) / (KEYS / 2)


@pytest.mark.parametrize("subject", ["inventory", "live", "config"])
def test_peak_memory_does_not_grow_with_the_number_of_keys(peaks, subject):
    assert peaks[subject]["items"] >= KEYS
    assert growth_per_key(peaks[subject]) < FLAT_BYTES_PER_KEY, peaks[subject]


def test_the_measurement_sees_a_consumer_that_holds_everything(peaks):
    """Keeping every inventory entry costs about a kilobyte a key: the flat test above would see it."""
    assert growth_per_key(peaks["holding"]) > 2 * FLAT_BYTES_PER_KEY, peaks["holding"]
