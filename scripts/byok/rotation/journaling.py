"""What a command run writes to the audit journal: started, every step with its facts, finished or failed.

The journal's own guard refuses anything shaped like key material; error texts may carry material
IDs (64 hex digits), so they are shortened here before they become a record's detail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from byok.audit.journal import Journal
from byok.importer import Done

STEP_EVENTS = {
    "canary": "canary-recorded",
    "generate": "material-generated",
    "get-parameters": "parameters-fetched",
    "wrap": "material-wrapped",
    "import": "material-imported",
    "rotate": "rotated",
    "verify": "verified",
    "renew": "material-renewed",
    "record": "tfvars-updated",
    "delete": "material-deleted",
    "destroy": "hsm-material-destroyed",
    "supersede": "wrapping-approval-destroyed",
}
_LONG_RUN = re.compile(r"[0-9a-fA-F]{32,}|[A-Za-z0-9+/]{43,}={0,2}")


def redact(text: str, limit: int = 400) -> str:
    return _LONG_RUN.sub(lambda m: m.group(0)[:12] + "...", text)[:limit]


class RunJournal:
    def __init__(self, journal: Journal, command: str, environment: str | None = None) -> None:
        self.journal = journal
        self.command = command
        self.environment = environment

    def _append(self, event: str, **fields: object) -> None:
        present = {name: value for name, value in fields.items() if value is not None}
        if self.environment:
            present["environment"] = self.environment
        self.journal.append(event, **present)

    @contextmanager
    def run(self) -> Iterator[RunJournal]:
        self._append("run-started", detail=self.command)
        try:
            yield self
        except BaseException as error:
            self._append("run-failed", result="failed", detail=redact(f"{type(error).__name__}: {error}"))
            raise
        self._append("run-finished", detail=self.command)

    def key_failed(self, key: str, error: str) -> None:
        """One key of a run failed; the run goes on with the others."""
        self._append("key-failed", key=key, result="failed", detail=redact(error))

    def steps(self, key_arn: str, generation: int | None = None) -> Done:
        """A ``done`` callback that journals each completed step of one key."""

        def record(step: str, facts: dict[str, object]) -> None:
            detail = facts.get("detail")
            fields = {**facts, "detail": redact(str(detail)) if detail else None}
            self._append(STEP_EVENTS[step], key=key_arn, generation=generation, **fields)

        return record
