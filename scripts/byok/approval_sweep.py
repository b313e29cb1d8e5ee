"""Approvals that can no longer serve are destroyed by the next run that touches the token, and journaled.

An SO approval is a standing trust in one KMS wrapping key (``byok.hsm.approvals``). The import that uses it
destroys it; this module removes the ones no import will use: expired (the import token's 24 h are over),
orphaned (byok's label without attribution), or superseded (newer parameters were fetched for the same key,
so the old wrapping key will never receive an import). Every destruction becomes one journal record.
"""

from __future__ import annotations

from datetime import UTC, datetime

from byok.audit.journal import Journal
from byok.hsm.approvals import TrustedObject
from byok.hsm.backend import HsmBackend

EVENT = "wrapping-approval-destroyed"


def describe(found: TrustedObject, now: datetime) -> str:
    """One line naming the object, whose it was and why it went; no 32-hex run (the journal refuses those)."""
    until = found.valid_to.isoformat(timespec="minutes") if found.valid_to else "unknown"
    return (
        f"trusted {found.kind} object {found.label} ({found.state(now).value}, wrapping key SHA-256 "
        f"{found.fingerprint[:24] or 'unknown'}, import token valid to {until})"
    )


def journal_destroyed(journal: Journal, destroyed: list[TrustedObject], now: datetime, why: str) -> None:
    for found in destroyed:
        fields = {"key": found.key_arn} if found.key_arn else {}
        journal.append(EVENT, result="ok", detail=f"{describe(found, now)}: destroyed, {why}", **fields)


def sweep_stale(hsm: HsmBackend, journal: Journal, why: str, now: datetime | None = None) -> list[TrustedObject]:
    """Destroy every expired or orphan byok approval on the token and journal each one."""
    at = now or datetime.now(UTC)
    destroyed = hsm.destroy_approvals(lambda found: found.prunable(at))
    journal_destroyed(journal, destroyed, at, why)
    return destroyed


def supersede(hsm: HsmBackend, key_arn: str, public_fingerprint: str) -> list[TrustedObject]:
    """Destroy the approvals of ``key_arn`` for any other wrapping key: new parameters replaced them."""
    return hsm.destroy_approvals(lambda found: found.key_arn == key_arn and not found.approves(public_fingerprint))
