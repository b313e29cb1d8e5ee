"""Cut a period out of the journal as an evidence pack an auditor can check without our systems.

The whole journal is verified first: a pack cut from a tampered journal would lend it credibility.
The pack keeps the period's lines byte for byte, plus the anchors around them (the hash before the
first, the hash of the last, the journal's head at export time), so the slice verifies on its own
and ties back to the head CI recorded.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from byok.audit.errors import JournalTampered
from byok.audit.identity import actor, host
from byok.audit.pack import ANCHORS, RECORDS, SUMMARY, check_pack_destination, write_pack
from byok.audit.record import GENESIS, parse_line
from byok.audit.summary import render_summary
from byok.audit.verify import reading, verify_stream


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime  # exclusive

    @classmethod
    def parse(cls, since: str, until: str) -> Period:
        """Dates or ISO times, UTC unless they say otherwise; a date-only ``until`` includes that whole day."""
        period = cls(_bound(since, end=False), _bound(until, end=True))
        if period.since >= period.until:
            raise ValueError(f"--since {since} must come before --until {until}")
        return period

    def contains(self, moment: datetime) -> bool:
        return self.since <= moment < self.until


@dataclass(frozen=True)
class Exported:
    out: Path
    records: int
    anchors: dict[str, object]


def export_period(journal: Path, period: Period, out: Path) -> Exported:
    check_pack_destination(out)
    with reading(journal) as stream:
        data = stream.read()
    verdict = verify_stream(io.BytesIO(data))
    if verdict.problem is not None:
        raise JournalTampered(
            f"{journal} does not verify, so no evidence pack was written: {verdict.problem.message}",
            "investigate with `byok audit verify` first",
        )
    lines = data.splitlines(keepends=True)
    everything = [parse_line(line) for line in lines]
    first, stop = _slice(everything, period)
    records = everything[first:stop]
    prev = str(everything[first - 1]["hash"]) if first else GENESIS
    anchors: dict[str, object] = {
        "journal": str(journal),
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "records": len(records),
        "first_seq": records[0]["seq"] if records else None,
        "last_seq": records[-1]["seq"] if records else None,
        "prev": prev,
        "last": str(records[-1]["hash"]) if records else prev,
        "journal_records": verdict.records,
        "journal_head": verdict.head,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "exported_by": actor(),
        "exported_on": host(),
    }
    write_pack(
        {
            SUMMARY: render_summary(records, anchors).encode("utf-8"),
            RECORDS: b"".join(lines[first:stop]),
            ANCHORS: (json.dumps(anchors, indent=2) + "\n").encode(),
        },
        out,
    )
    return Exported(out, len(records), anchors)


def _slice(records: list[dict[str, object]], period: Period) -> tuple[int, int]:
    """From the first record in the period to the last, whole: a slice with holes would not verify.

    Clocks of different runners may disagree a little, so a record stamped outside the period can sit
    between two inside it; it stays in the slice, and the summary shows its time.
    """
    times = [datetime.fromisoformat(str(record["time"])) for record in records]
    inside = [index for index, moment in enumerate(times) if period.contains(moment)]
    if inside:
        return inside[0], inside[-1] + 1
    before = sum(1 for moment in times if moment < period.since)
    return before, before


def _bound(text: str, *, end: bool) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start + timedelta(days=1) if end else start
