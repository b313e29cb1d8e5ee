"""Rendering a large listing in every format, against serialising the same rows with ``json.dumps`` alone.

The listing is an inventory of N keys (the largest table a user prints); the baseline is the least any format
must do with those rows, measured in the same process.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.report import Row, write_table
from byok.cli.inventory_cmd import COLUMNS
from byok.output import FORMATS, Listing, View


def inventory(count: int) -> list[dict[str, object]]:
    return [
        {
            "region": "eu-central-1",
            "aliases": [f"alias/key-{n}", f"alias/key-{n}-g1"],
            "key_id": str(uuid.uuid4()),
            "origin": "EXTERNAL",
            "state": "Enabled",
            "materials": 2,
            "earliest_expiry": datetime(2027, 1, 1, tzinfo=UTC),
            "age_days": n % 400,
            "generation": "1",
            "next_due": "2027-11-28",
        }
        for n in range(count)
    ]


def _timed(render: Callable[[], str]) -> float:
    render()  # warm: imports and caches
    started = time.perf_counter()
    render()
    return time.perf_counter() - started


def run(out: Path, count: int = 5000) -> str:
    rows = inventory(count)

    def listing() -> Listing:
        return Listing("inventory", "KMS inventory", COLUMNS, rows)

    baseline = Row("json.dumps of the rows", _timed(lambda: json.dumps(rows, default=str)), count)
    measured = [
        Row(f"-o {name}{label}", _timed(lambda n=name, v=view: FORMATS[n](listing().document(), v)), count, note)
        for name, view, label, note in (
            ("table", View(80), " (80 columns)", "optional columns dropped, IDs whole"),
            ("table", View(None), " (--wide)", "every column"),
            ("json", View(None), "", "snake_case keys, arrays, ISO times"),
            ("markdown", View(None), "", ""),
        )
    ]
    return write_table(out / "output.md", f"output: a {count}-key inventory in every format", baseline, measured, [])
