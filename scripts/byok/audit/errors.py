"""Audit failures with their own exit codes, so CI can tell a tampered journal from a full disk.

Exit codes: 6 a run lock is held (``LockHeld``, ``LockStale``: both ``RotationBlocked``, try later),
7 the journal was tampered with or is damaged (``JournalTampered``), 8 the journal could not be
written or read (``JournalError``).
"""

from __future__ import annotations

from byok.errors import ByokError, RotationBlocked


class JournalError(ByokError):
    """The journal cannot be written (or read); the run stops, because an unrecorded step is unauditable."""

    exit_code = 8


class JournalTampered(ByokError):
    """The journal's chain does not hold: a record was edited, removed, inserted, reordered or cut off."""

    exit_code = 7


class LockHeld(RotationBlocked):
    """Another run holds the key or environment: two runs must never interleave their steps."""


class LockStale(LockHeld):
    """The lock is held, yet the run recorded as holding it is dead: something it started holds it on."""
