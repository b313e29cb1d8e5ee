"""The evidence pack's ``summary.md``: the regulator's questions answered per environment and key.

Plain Markdown tables (pandoc and most Markdown-to-PDF tools render them as they are). Every cell is
escaped, because journal text such as an error detail must not be able to reshape the document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

Record = Mapping[str, object]
_ROTATION_EVENTS = ("rotated", "cut-over")


def render_summary(records: list[Record], anchors: Mapping[str, object]) -> str:
    parts = [
        f"# Key rotation evidence, {anchors['since']} to {anchors['until']} (UTC)\n",
        _table(
            ["", ""],
            [
                ["Journal", anchors["journal"]],
                ["Period", f"from {anchors['since']} up to (not including) {anchors['until']}"],
                ["Records in the period", _seq_range(anchors)],
                ["Whole journal", f"verified: {anchors['journal_records']} records, head {anchors['journal_head']}"],
                ["Slice anchors", f"previous hash {anchors['prev']}, last hash {anchors['last']}"],
                ["Exported", f"{anchors['exported_at']} by {anchors['exported_by']} on {anchors['exported_on']}"],
            ],
        ),
        "## Rotations\n",
        _rotations(records),
        "## Failures\n",
        _failures(records),
        "## Runs\n",
        _runs(records),
        _HOW_TO_CHECK,
    ]
    return "\n".join(parts)


def _seq_range(anchors: Mapping[str, object]) -> str:
    if not anchors["records"]:
        return "none"
    return f"{anchors['records']} (seq {anchors['first_seq']} to {anchors['last_seq']})"


def _rotations(records: list[Record]) -> str:
    """One row per environment, key and generation, gathered from every step the journal holds for it."""
    groups: dict[tuple[str, str, object], list[Record]] = defaultdict(list)
    for record in records:
        if record["key"] is not None:
            groups[(str(record["environment"]), str(record["key"]), record["generation"])].append(record)
    if not groups:
        return "No key was changed in this period.\n"
    sections = []
    for environment in sorted({env for env, _, _ in groups}):
        rows = [
            _rotation_row(key, generation, steps)
            for (env, key, generation), steps in sorted(groups.items(), key=_by_key_and_generation)
            if env == environment
        ]
        columns = ["Key", "Generation", "Rotated (UTC)", "By", "Material ID", "Check value", "Algorithm"]
        sections.append(f"### Environment {_cell(environment)}\n\n" + _table([*columns, "Verification", "Steps"], rows))
    return "\n".join(sections)


def _by_key_and_generation(item: tuple[tuple[str, str, object], list[Record]]) -> tuple[str, int]:
    _, key, generation = item[0]
    return key, generation if isinstance(generation, int) else -1


def _rotation_row(key: str, generation: object, steps: list[Record]) -> list[object]:
    rotation = next((r for r in steps if r["event"] in _ROTATION_EVENTS), None)
    verified = [r for r in steps if r["event"] == "verified"]
    return [
        key,
        generation,
        rotation["time"] if rotation else None,
        rotation["actor"] if rotation else None,
        _last(steps, "material_id"),
        _last(steps, "check_value"),
        _last(steps, "algorithm"),
        verified[-1]["result"] if verified else "not verified in this period",
        ", ".join(dict.fromkeys(str(r["event"]) for r in steps)),
    ]


def _failures(records: list[Record]) -> str:
    failed = [r for r in records if r["result"] == "failed" or r["event"] == "run-failed"]
    if not failed:
        return "No failure was recorded in this period.\n"
    columns = ["Time (UTC)", "Environment", "Key", "Generation", "Step", "By", "Run", "Detail"]
    fields = ("time", "environment", "key", "generation", "event", "actor", "run_id", "detail")
    return _table(columns, [[r[f] for f in fields] for r in failed])


def _runs(records: list[Record]) -> str:
    runs: dict[object, list[Record]] = defaultdict(list)
    for record in records:
        runs[record["run_id"]].append(record)
    if not runs:
        return "No run in this period.\n"
    rows = []
    for run_id, steps in runs.items():
        ends = [r for r in steps if r["event"] in ("run-finished", "run-failed")]
        outcome = ends[-1]["event"] if ends else "no end recorded in this period"
        rows.append([run_id, steps[0]["time"], steps[-1]["time"], outcome, steps[0]["actor"], steps[0]["host"]])
    return _table(["Run", "First record", "Last record", "Outcome", "By", "Host"], rows)


def _last(steps: list[Record], field: str) -> object:
    return next((r[field] for r in reversed(steps) if r[field] is not None), None)


def _table(columns: list[str], rows: Iterable[list[object]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    if value is None:
        return "-"
    text = " ".join(str(value).split())
    for raw, escaped in (("\\", "\\\\"), ("|", "\\|"), ("`", "\\`"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(raw, escaped)
    return text


_HOW_TO_CHECK = """## How to check this pack

1. `sha256sum -c SHA256SUMS`: the files are as exported.
2. `byok audit verify --pack <this directory or tar.gz>`: every record in `records.jsonl` is intact and
   chained, from the `prev` anchor in `anchors.json` to its `last` anchor. Without byok: each line's
   `hash` is `jq -cjS 'del(.hash)' <<< "$line" | sha256sum`, each line's `prev` is the line before's
   `hash`, and the first line's `prev` is the `prev` anchor.
3. The journal head that CI printed after each run in the period must be the `hash` of a line here
   (or, for a later run, `journal_head` in `anchors.json`): then the journal was not rewritten since.
"""
