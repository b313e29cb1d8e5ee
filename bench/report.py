"""One small Markdown table per benchmark, with ratios against a baseline measured in the same run."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Row:
    name: str
    seconds: float
    count: int = 1
    note: str = ""

    @property
    def per_item_ms(self) -> float:
        return self.seconds / self.count * 1000


def write_table(path: Path, title: str, baseline: Row, rows: list[Row], notes: list[str]) -> str:
    lines = [
        f"# {title}",
        "",
        f"{datetime.now(UTC).isoformat(timespec='seconds')} on {platform.node()} "
        f"({platform.machine()}, Python {platform.python_version()})",
        "",
        "| measurement | total s | items | per item ms | ratio to baseline | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in [baseline, *rows]:
        ratio = row.per_item_ms / baseline.per_item_ms if baseline.per_item_ms else float("nan")
        lines.append(
            f"| {row.name} | {row.seconds:.3f} | {row.count} | {row.per_item_ms:.2f} | {ratio:.2f}x | {row.note} |"
        )
    lines += ["", *(f"- {note}" for note in notes), ""]
    text = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text
