"""Folds each verified key into the environment's state and writes the tfvars in batches.

Rendering the tfvars of a large environment takes a while (some 0.15 s at 400 keys, holding the
interpreter), so writing it once per key would make recording quadratic and starve the workers. Keys
are therefore written together: at most once per ``min_interval``, and never more often than five
times the last write took, plus once when the run ends. A key's ``record`` journal entry is written
only after the tfvars that holds it is on disk. A crash between a key's verification and its write
loses nothing: the re-run finds the material imported and rotated, verifies it again and records it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from byok.errors import ByokError
from byok.estate import EnvironmentState
from byok.failpoints import hit
from byok.rotation.apply import KeyRotation, RotationResult

Batch = list[tuple[KeyRotation, RotationResult]]
Persist = Callable[[EnvironmentState, Batch], None]  # write the state, then journal every key of the batch


class RecordFailed(ByokError):
    """The tfvars could not be written: no later key may be reported done, so the run stops."""


class Recorder:
    def __init__(
        self,
        state: EnvironmentState,
        persist: Persist,
        *,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._state = state
        self._persist = persist
        self._min_interval = min_interval
        self._clock = clock
        self._unwritten: Batch = []
        self._next_write = clock()
        self._lock = threading.Lock()

    @property
    def state(self) -> EnvironmentState:
        with self._lock:
            return self._state

    def record(self, rotated: EnvironmentState, rotation: KeyRotation, result: RotationResult) -> None:
        hit(f"{rotation.key}:record")
        with self._lock:
            self._state = self._state.with_key(rotated.key(rotation.key))
            self._unwritten.append((rotation, result))
            if self._clock() >= self._next_write:
                self._write()

    def flush(self) -> None:
        """Write whatever is not written yet (the end of a run, or its interruption)."""
        with self._lock:
            if self._unwritten:
                self._write()

    def _write(self) -> None:
        started = self._clock()
        batch, self._unwritten = self._unwritten, []
        try:
            self._persist(self._state, batch)
        except OSError as error:
            self._unwritten = batch + self._unwritten
            raise RecordFailed(
                f"cannot write the tfvars: {error.strerror or error}",
                "make it writable (or free space) and re-run: verified keys are found done and recorded",
            ) from None
        finished = self._clock()
        self._next_write = finished + max(self._min_interval, 5 * (finished - started))
