"""The progress line of ``rotate apply``: keys done out of the total, failures, and an ETA from the quota.

The ETA is not extrapolated from the keys done so far: KMS allows each account-region one
GetParametersForImport per second (or its raised quota), so the busiest account-region's remaining
imports divided by its rate is when the run can end at the earliest, and a paced run ends close to it.
On a terminal the line is rewritten in place; in a CI log it is printed at most every ``log_every`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from byok.rotation.concurrent import KeyJob, KeyOutcome, Scope

GET_PARAMETERS = "GetParametersForImport"


class ApplyProgress:
    def __init__(
        self,
        jobs: list[KeyJob],
        rate: Callable[[Scope], float],
        stream: TextIO,
        *,
        log_every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = len(jobs)
        self.rate = rate
        self.stream = stream
        self.interactive = stream.isatty()
        self.log_every = 0.2 if self.interactive else log_every
        self.clock = clock
        self._remaining: Counter[Scope] = Counter()
        for job in jobs:
            self._remaining.update(job.imports_by_scope())
        self.done = 0
        self.failed = 0
        self._last_shown = -float("inf")
        self._lock = threading.Lock()

    def eta_seconds(self) -> float:
        return max((count / self.rate(scope) for scope, count in self._remaining.items()), default=0.0)

    def finished(self, outcome: KeyOutcome) -> None:
        with self._lock:
            self._remaining.subtract(outcome.job.imports_by_scope())
            self.done += 1
            self.failed += outcome.failed
            if self.clock() - self._last_shown >= self.log_every or self.done == self.total:
                self._show()

    def line(self) -> str:
        failed = f", {self.failed} failed" if self.failed else ""
        eta = self.eta_seconds()
        return f"rotating: {self.done}/{self.total} keys{failed}, ETA {eta:.0f} s at the KMS import quota"

    def _show(self) -> None:
        self._last_shown = self.clock()
        if self.interactive:
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r{self.line()}\x1b[K{end}")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()
