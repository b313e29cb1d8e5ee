"""Dates of a key that both the Markdown and the HTML timeline show."""

from __future__ import annotations

from datetime import date

from byok.drift.engine import KeySummary


def earliest_expiry(key: KeySummary) -> date | None:
    dates = [m.valid_to.date() for m in key.materials if m.valid_to is not None]
    return min(dates, default=None)
