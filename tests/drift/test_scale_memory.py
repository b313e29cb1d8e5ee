"""Memory stays flat as the estate grows: inventory, the live scan and the Config source stream, and a drift run
writes its JSON without ever holding the whole text.

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
RENDERING_BYTES_PER_KEY = 800  # a finding at a time (and the findings grouped by rule); the whole text is ~1.6 KB a key
HELD_BYTES_PER_KEY = 6_000  # what the drift evidence, findings and key summaries may keep: 100,000 keys in 600 MB
TESTS = Path(__file__).resolve().parents[1]


def peak(url: str, subject: str, *flags: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(TESTS), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    probe = [sys.executable, "-m", "support.memory_probe", subject, url, REGION]
    argv = [*probe, "--page", str(PAGE), "--items", str(KEYS), *flags]
    return json.loads(subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout)


@pytest.fixture(scope="module")
def peaks(sandbox) -> dict[str, dict]:
    """Every probe against one estate of KEYS keys, and the drift probes against one of half as many too.

    moto gives every account-region ~1,285 Amazon AMI snapshots, which DescribeSnapshots(OwnerIds=self) takes
    seconds to filter out; no real account owns them. Without them the Config source's API fallback (EBS
    snapshots are not recorded by Config) finishes its one-time set-up early, instead of at a random point
    beside the streamed keys, where it would read as growth.
    """
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        measured = {"drift, half the keys": estate(sandbox, KEYS // 2, "drift")}
        measured["drift whole text, half the keys"] = peak(sandbox.url, "drift", "--hold")
        measured.update(estate(sandbox, KEYS, "inventory", "live", "config", "drift"))
        measured["holding"] = peak(sandbox.url, "inventory", "--hold")
        measured["drift whole text"] = peak(sandbox.url, "drift", "--hold")
        sandbox.reset()  # the next test's EC2 backends are made again, under the usual settings
    return measured


def estate(sandbox, keys: int, *subjects: str) -> dict:
    """A fresh estate of ``keys`` imported keys and a recorder; each subject's probe against it."""
    sandbox.reset()
    start_recorder(aws(sandbox, "config"), ACCOUNT_ID)
    imported_keys(ACCOUNT_ID, REGION, keys, lambda n: {"byok:key": f"scale-{n}"})
    found = {subject: peak(sandbox.url, subject) for subject in subjects}
    return found if len(subjects) > 1 else found[subjects[0]]


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


def per_key(measured: dict, small: str, large: str, field: str) -> float:
    """How much ``field`` grew per key from the estate of half the keys to the whole one."""
    return (measured[large][field] - measured[small][field]) / (measured[large]["items"] - measured[small]["items"])


def test_a_drift_run_writes_its_json_without_holding_the_text(peaks):
    assert peaks["drift"]["items"] >= KEYS
    growth = per_key(peaks, "drift, half the keys", "drift", "rendering")
    assert growth < RENDERING_BYTES_PER_KEY, (peaks["drift, half the keys"], peaks["drift"])


def test_the_rendering_measurement_sees_a_run_that_holds_the_whole_text(peaks):
    growth = per_key(peaks, "drift whole text, half the keys", "drift whole text", "rendering")
    assert growth > 3 * RENDERING_BYTES_PER_KEY, (peaks["drift whole text, half the keys"], peaks["drift whole text"])


def test_what_a_drift_run_keeps_per_key_fits_100000_keys_in_memory(peaks):
    """The evidence indexes every key (rules resolve references through it): that much, and no more, may grow."""
    growth = per_key(peaks, "drift, half the keys", "drift", "held")
    assert 0 < growth < HELD_BYTES_PER_KEY, (peaks["drift, half the keys"], peaks["drift"])
