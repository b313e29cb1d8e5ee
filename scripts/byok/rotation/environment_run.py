"""``rotate apply`` over a whole environment: the concurrent engine wired to the tfvars, journal and locks.

Each key is recorded in the tfvars as soon as it is verified (one writer at a time), so a crash keeps
every finished key and a re-run has only the unfinished ones left. A failed key is journaled with its
error and stays pending in the tfvars; the run goes on with the others and says at the end which failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from byok.audit.lock import lock_key_of_held_environment
from byok.errors import ByokError
from byok.estate import EnvironmentState
from byok.failpoints import hit
from byok.kms.pacing import QuotaPacer
from byok.render import render_tfvars
from byok.rotation.apply import RotationRunner
from byok.rotation.canaries import write_atomically
from byok.rotation.concurrent import INTERNAL_ERROR, ConcurrentApply, KeyJob, KeyOutcome, Scope, exit_code
from byok.rotation.journaling import RunJournal
from byok.rotation.progress import GET_PARAMETERS, ApplyProgress
from byok.rotation.recorder import Batch, Recorder


class RotationsFailed(ByokError):
    """Some keys failed; the others were rotated, verified and recorded."""

    def __init__(self, cause: str, remedy: str, code: int) -> None:
        super().__init__(cause, remedy)
        self.exit_code = code


def apply_jobs(
    jobs: Sequence[KeyJob],
    state: EnvironmentState,
    runners: Mapping[Scope, RotationRunner],
    *,
    tfvars: Path,
    journal: RunJournal,
    state_dir: Path,
    workers_per_scope: int,
    pacer: QuotaPacer,
    stream: TextIO,
) -> list[KeyOutcome]:
    def persist(current: EnvironmentState, batch: Batch) -> None:
        write_atomically(tfvars, render_tfvars(current))
        for rotation, result in batch:
            journal.steps(result.outcome.key_arn, rotation.generation)(
                "record", {"material_id": result.outcome.material_id, "detail": f"recorded in {tfvars.name}"}
            )
            hit(f"{rotation.key}:recorded")

    def failed(outcome: KeyOutcome) -> None:
        journal.key_failed(outcome.job.key, outcome.error or "")
        progress.finished(outcome)

    progress = ApplyProgress(list(jobs), lambda scope: pacer.rate(scope.account, scope.region, GET_PARAMETERS), stream)
    engine = ConcurrentApply(
        runners,
        Recorder(state, persist),
        workers_per_scope=workers_per_scope,
        key_lock=lambda name: _journaled_key_lock(state_dir, journal, name),
        on_finished=progress.finished,
        on_failed=failed,
    )
    return engine.run(jobs)


def raise_if_failed(outcomes: Sequence[KeyOutcome], environment: str) -> None:
    failed = [outcome for outcome in outcomes if outcome.failed]
    if failed:
        names = ", ".join(outcome.job.key for outcome in failed)
        code = exit_code(outcomes)
        bug = (
            "; a key failed on a bug in byok: rerun with BYOK_DEBUG=1 and report the traceback"
            if code == INTERNAL_ERROR
            else ""
        )
        raise RotationsFailed(
            f"{len(failed)} of {len(outcomes)} key(s) in {environment} failed: {names}",
            f"see the table and the journal; fix the cause and re-run `byok rotate apply --env {environment}`: "
            f"it resumes only the unfinished keys{bug}",
            code,
        )


@contextmanager
def _journaled_key_lock(state_dir: Path, journal: RunJournal, name: str) -> Iterator[None]:
    """The key's lock; a holder left by a crashed run is journaled, as the environment's is."""
    environment = journal.environment or ""
    with lock_key_of_held_environment(state_dir, environment, name, journal.journal.run_id) as held:
        for holder in held.recovered:
            journal.journal.append("lock-recovered", environment=environment, detail=holder.describe()[:400])
        yield
