"""The one clock the sandbox reads, so tests can expire tokens and key materials without waiting.

Real KMS expires import tokens after 24 h and key material at ``ValidTo``; a test cannot wait that long,
so every time-dependent decision of the extension asks :func:`now` instead of the system clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """System time plus an offset, or a frozen instant; thread-safe because the server answers in threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(UTC) + self._offset

    def set(self, at: datetime) -> None:
        """Freeze at ``at``: a frozen clock makes expiry boundaries exact in tests."""
        if at.tzinfo is None:
            raise ValueError("the sandbox clock needs a timezone-aware time")
        with self._lock:
            self._frozen = at.astimezone(UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)
            self._frozen = None


CLOCK = SandboxClock()
now = CLOCK.now
set_time = CLOCK.set
advance = CLOCK.advance
reset = CLOCK.reset
