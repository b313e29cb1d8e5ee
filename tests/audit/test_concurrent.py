"""Several processes writing one journal: the chain stays whole, and locked runs never interleave."""

from __future__ import annotations

import json
import multiprocessing
from itertools import groupby
from pathlib import Path

from byok.audit.errors import LockHeld
from byok.audit.journal import Journal
from byok.audit.lock import lock_key
from byok.audit.verify import verify_file

PROCESSES = 4
APPENDS = 25
_FORK = multiprocessing.get_context("fork")


def _append_many(path: Path, run_id: str) -> None:
    journal = Journal.open(path, run_id=run_id)
    for number in range(APPENDS):
        journal.append("verified", environment="dev", key="payments", generation=number, result="ok")


def _locked_run(path: Path, run_id: str, wait: float, outcomes) -> None:
    try:
        with lock_key(path.parent, "dev", "payments", run_id, wait=wait):
            _append_many(path, run_id)
    except LockHeld as refused:
        outcomes.put((run_id, str(refused)))
    else:
        outcomes.put((run_id, "done"))


def _run_all(target, *args) -> None:
    processes = [_FORK.Process(target=target, args=(*args[:1], f"run-{n}", *args[1:])) for n in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0


def _run_ids(path: Path) -> list[str]:
    return [json.loads(line)["run_id"] for line in path.read_bytes().splitlines()]


def test_concurrent_appenders_keep_one_valid_chain(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    _run_all(_append_many, path)
    verdict = verify_file(path)
    assert (verdict.ok, verdict.records) == (True, PROCESSES * APPENDS)
    assert sorted(set(_run_ids(path))) == [f"run-{n}" for n in range(PROCESSES)]


def test_runs_on_one_key_wait_for_each_other_and_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    outcomes = _FORK.Queue()
    _run_all(_locked_run, path, 60.0, outcomes)
    assert sorted(outcomes.get(timeout=5)[1] for _ in range(PROCESSES)) == ["done"] * PROCESSES
    assert verify_file(path).ok
    runs = [run_id for run_id, _ in groupby(_run_ids(path))]
    assert sorted(runs) == [f"run-{n}" for n in range(PROCESSES)]  # each run's records in one block


def test_runs_that_do_not_wait_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    outcomes = _FORK.Queue()
    _run_all(_locked_run, path, 0.0, outcomes)
    results = dict(outcomes.get(timeout=5) for _ in range(PROCESSES))
    done = [run_id for run_id, outcome in results.items() if outcome == "done"]
    refused = [outcome for outcome in results.values() if outcome != "done"]
    assert done and all(message.startswith("key dev/payments is locked by ") for message in refused), refused
    assert verify_file(path).ok
    assert sorted(run_id for run_id, _ in groupby(_run_ids(path))) == sorted(done)
