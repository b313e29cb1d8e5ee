"""Rotate many keys at once: one queue and a few workers per account-region, each key under its own lock.

KMS quotas are per account and region (GetParametersForImport: 1 per second), so a run is as fast as
its busiest account-region allows, and only if every account-region always has a key waiting at its
quota. Workers of one account-region take that region's keys in turn; while one waits for its import
parameters the others generate material in the HSM or verify canaries, which pipelines the HSM with
the quota-bound calls. A key's rotations (a first material, then a pending generation) run in order
by one worker. One key failing is recorded and the others go on; only a journal that cannot be
written stops the run, since no step may follow one that was not recorded.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import NamedTuple

from byok.audit.errors import JournalError
from byok.errors import ApprovalPending, ByokError
from byok.rotation.apply import KeyRotation, RotationResult, RotationRunner
from byok.rotation.journaling import redact
from byok.rotation.recorder import Recorder, RecordFailed

INTERNAL_ERROR = 70


class Scope(NamedTuple):
    """Where a key lives; empty account means the caller's own."""

    account: str
    region: str

    def describe(self) -> str:
        return f"{self.account or 'own account'}/{self.region}"


@dataclass(frozen=True)
class KeyJob:
    key: str
    scope: Scope
    rotations: tuple[KeyRotation, ...]
    replica_regions: tuple[str, ...] = ()  # a multi-Region key also imports in these (same account)

    def imports_by_scope(self) -> dict[Scope, int]:
        """GetParametersForImport calls the job needs in each account-region (an upper bound when resuming)."""
        scopes = [self.scope, *(Scope(self.scope.account, region) for region in self.replica_regions)]
        return dict.fromkeys(scopes, len(self.rotations))


@dataclass
class KeyOutcome:
    job: KeyJob
    results: list[RotationResult] = field(default_factory=list)
    error: str | None = None
    exit_code: int = 0

    @property
    def failed(self) -> bool:
        return self.error is not None


class ConcurrentApply:
    def __init__(
        self,
        runners: Mapping[Scope, RotationRunner],
        recorder: Recorder,
        *,
        workers_per_scope: int,
        key_lock: Callable[[str], AbstractContextManager[object]],
        on_finished: Callable[[KeyOutcome], None] = lambda outcome: None,
        on_failed: Callable[[KeyOutcome], None] = lambda outcome: None,
    ) -> None:
        self.runners = runners
        self.recorder = recorder
        self.workers_per_scope = workers_per_scope
        self.key_lock = key_lock
        self.on_finished = on_finished
        self.on_failed = on_failed
        self._stop = threading.Event()
        self._fatal: list[BaseException] = []

    def run(self, jobs: Sequence[KeyJob]) -> list[KeyOutcome]:
        """Every job's outcome, in the order given; raises only what must stop the whole run."""
        outcomes = {job.key: KeyOutcome(job) for job in jobs}
        queues: dict[Scope, queue.SimpleQueue[KeyJob]] = {}
        for job in jobs:
            queues.setdefault(job.scope, queue.SimpleQueue()).put(job)
        threads = [
            threading.Thread(target=self._work, args=(work, outcomes), name=f"byok-{scope.region}-{n}", daemon=True)
            for scope, work in queues.items()
            for n in range(min(self.workers_per_scope, work.qsize()))
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        except KeyboardInterrupt:
            self._stop.set()  # workers finish the key they are on, then the locks may go; a re-run resumes
            for thread in threads:
                thread.join()
            raise
        finally:
            if not self._fatal:
                self.recorder.flush()
        if self._fatal:
            raise self._fatal[0]
        return [outcomes[job.key] for job in jobs]

    def _work(self, work: queue.SimpleQueue[KeyJob], outcomes: dict[str, KeyOutcome]) -> None:
        while not self._stop.is_set():
            try:
                job = work.get_nowait()
            except queue.Empty:
                return
            outcome = outcomes[job.key]
            try:
                with self.key_lock(job.key):
                    self._rotate(job, outcome)
            except (JournalError, RecordFailed) as fatal:
                self._fatal.append(fatal)
                self._stop.set()
                return
            except ApprovalPending as waiting:  # byok's own text: the key ARNs and fingerprints the SO compares
                outcome.error, outcome.exit_code = str(waiting), waiting.exit_code
            except ByokError as error:
                outcome.error, outcome.exit_code = redact(str(error)), error.exit_code
            except Exception as error:  # noqa: BLE001 - one key's bug must not hide the others' results
                outcome.error, outcome.exit_code = redact(f"{type(error).__name__}: {error}"), INTERNAL_ERROR
                if os.environ.get("BYOK_DEBUG") == "1":  # as for a bug outside the workers: the traceback too
                    traceback.print_exception(error, file=sys.stderr)
            if outcome.failed:
                self._report_failure(outcome)
            else:
                self.on_finished(outcome)

    def _rotate(self, job: KeyJob, outcome: KeyOutcome) -> None:
        runner = self.runners[job.scope]
        for rotation in job.rotations:
            rotated, result = runner.rotate(self.recorder.state, rotation)
            self.recorder.record(rotated, rotation, result)
            outcome.results.append(result)

    def _report_failure(self, outcome: KeyOutcome) -> None:
        try:
            self.on_failed(outcome)
        except JournalError as fatal:
            self._fatal.append(fatal)
            self._stop.set()


def exit_code(outcomes: Sequence[KeyOutcome]) -> int:
    """0 when every key finished; the failures' own code when they share one (CI can tell HSM from KMS), else 1."""
    codes = {outcome.exit_code for outcome in outcomes if outcome.failed}
    if not codes:
        return 0
    return codes.pop() if len(codes) == 1 else 1
