"""An inline SVG timeline of key ages and material expiry dates: no script, no network, prints as is.

Each key is a row: a bar from its last rotation to its next due date (green, amber within the horizon,
red when overdue) and a diamond per material at its ValidTo. The shaded band is the expiry horizon, so
anything inside it is what the next rotation or re-import must handle. ``<title>`` gives hover text.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from byok.drift.engine import DriftResult, KeySummary

WIDTH, LABEL, ROW, TOP = 980, 240, 26, 34
PLOT = WIDTH - LABEL - 20
OK, SOON, LATE, MATERIAL = "#2e8b57", "#e69500", "#c0392b", "#2c6fbb"


def svg(result: DriftResult) -> str:
    today = result.generated_at.date()
    horizon_end = today + timedelta(days=result.horizon_days)
    start, end = _range(result.keys, today, horizon_end)
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return LABEL + PLOT * (min(max(day, start), end) - start).days / span

    height = TOP + ROW * max(len(result.keys), 1) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="Key ages and material expiry dates" font-family="sans-serif" font-size="12">',
        f'<rect x="{x(today):.1f}" y="{TOP - 6}" width="{x(horizon_end) - x(today):.1f}" height="{height - TOP}" '
        f'fill="#fff4d6"><title>expiry horizon: {result.horizon_days} days</title></rect>',
    ]
    parts += _ticks(start, end, x, height)
    for row, key in enumerate(result.keys):
        parts += _row(key, TOP + row * ROW, today, horizon_end, x)
    parts.append(
        f'<line x1="{x(today):.1f}" y1="{TOP - 10}" x2="{x(today):.1f}" y2="{height}" stroke="#222" '
        f'stroke-width="1.5"/><text x="{x(today) + 3:.1f}" y="{TOP - 14}">today {today}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _range(keys: tuple[KeySummary, ...], today: date, horizon_end: date) -> tuple[date, date]:
    dates = [today - timedelta(days=30), horizon_end]
    for key in keys:
        dates += [d for d in (key.rotated, key.next_due) if d]
        dates += [m.valid_to.date() for m in key.materials if m.valid_to]
    return min(dates), max(dates) + timedelta(days=15)


def _ticks(start: date, end: date, x, height: int) -> list[str]:
    ticks, month = [], date(start.year, start.month, 1)
    step = max(1, ((end - start).days // 30) // 12)  # at most about a dozen labels
    while month <= end:
        if month >= start:
            ticks.append(
                f'<line x1="{x(month):.1f}" y1="{TOP - 6}" x2="{x(month):.1f}" y2="{height}" stroke="#ddd"/>'
                f'<text x="{x(month) + 2:.1f}" y="{TOP - 22}" fill="#666">{month:%Y-%m}</text>'
            )
        for _ in range(step):
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return ticks


def _row(key: KeySummary, y: int, today: date, horizon_end: date, x) -> list[str]:
    label = (
        f"{key.name}"
        + (f" g{key.generation}" if key.generation else "")
        + (f" ({key.environment})" if key.environment else "")
    )
    parts = [f'<text x="4" y="{y + 15}">{escape(label)}</text>']
    if key.next_due is not None:
        colour = LATE if key.next_due < today else SOON if key.next_due <= horizon_end else OK
        begin = key.rotated or key.next_due
        tip = f"{key.name}: rotated {key.rotated or 'unknown'}, next due {key.next_due}; state {key.state or '-'}"
        parts.append(
            f'<rect x="{x(begin):.1f}" y="{y + 4}" width="{max(x(key.next_due) - x(begin), 2):.1f}" height="14" '
            f'rx="3" fill="{colour}" opacity="0.85"><title>{escape(tip)}</title></rect>'
        )
    for material in key.materials:
        if material.valid_to is None:
            continue
        day = material.valid_to.date()
        colour = LATE if day <= horizon_end else MATERIAL
        cx, cy = x(day), y + 11
        tip = f"material {material.material_id} ({material.state.value}) valid to {material.valid_to:%Y-%m-%d}"
        parts.append(
            f'<path d="M{cx:.1f} {cy - 7} L{cx + 7:.1f} {cy} L{cx:.1f} {cy + 7} L{cx - 7:.1f} {cy} Z" '
            f'fill="{colour}" stroke="#fff"><title>{escape(tip)}</title></path>'
        )
    return parts
