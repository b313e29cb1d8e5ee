"""The shape of one journal record, and the guard that keeps secrets out of it.

The guard is structural, not a scan for known secrets: a record has a fixed set of fields, each with a
narrow type and format (a check value is six hex digits, a generation is a number), so there is no
place a PIN or key material could be put. Names that sound secret (``pin``, ``plaintext``...) and
``bytes`` values are refused with a message saying so, and free text (``detail``) may not carry a
long hex or base64 run, the form raw material would take. The writer and the verifier share these
rules, so a hand-edited line that smuggles such a value in is reported as well.

Line form: the fields in ``FIELDS`` order, compact JSON, UTF-8, one line. ``hash`` is the SHA-256 of
the record without ``hash`` as canonical JSON (sorted keys, compact), which an auditor can recompute
without byok: ``jq -cjS 'del(.hash)' <<< "$line" | sha256sum``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping

GENESIS = "0" * 64  # the ``prev`` of the first record

EVENTS = frozenset(
    {
        "run-started",
        "run-finished",
        "run-failed",
        "canary-recorded",
        "material-generated",
        "parameters-fetched",
        "material-wrapped",
        "material-imported",
        "rotated",
        "cut-over",
        "verified",
        "key-failed",
        "rolled-back",
        "tfvars-updated",
        "material-renewed",
        "material-deleted",
        "hsm-material-destroyed",
        "deletion-scheduled",
        "lock-recovered",
        "journal-repaired",
        "wrapping-key-approved",
        "wrapping-approval-destroyed",
    }
)
RESULTS = frozenset({"ok", "failed", "skipped"})

# What the writer fills in itself, then what a caller may pass.
WRITER_FIELDS = ("seq", "time", "actor", "host", "run_id")
CALLER_FIELDS = (
    "event",
    "environment",
    "key",
    "generation",
    "material_id",
    "check_value",
    "algorithm",
    "result",
    "detail",
)
FIELDS = (*WRITER_FIELDS, *CALLER_FIELDS, "prev", "hash")

MAX_LINE = 8192  # bytes; a record is far smaller, so a longer line is never one of ours
MAX_DETAIL = 1000

_SECRET_NAMES = re.compile(r"pin|secret|plaintext|password|passphrase|private|token|wrapped|material_bytes", re.I)
_MATERIAL_LIKE = re.compile(r"[0-9a-fA-F]{32,}|[A-Za-z0-9+/]{43,}={0,2}")
_HASH = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:-]{0,127}")
_TEXT = re.compile(r"[^\x00-\x1f\x7f]{1,255}")
_FORMATS: dict[str, re.Pattern[str]] = {
    "time": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00"),
    "actor": _TEXT,
    "host": _TEXT,
    "run_id": _NAME,
    "environment": _NAME,
    "key": _NAME,
    "material_id": re.compile(r"[A-Za-z0-9-]{1,128}"),
    "check_value": re.compile(r"[0-9a-f]{6}"),
    "algorithm": re.compile(r"[A-Z0-9_]{1,64}"),
    "prev": _HASH,
    "hash": _HASH,
}
_OPTIONAL = frozenset(CALLER_FIELDS) - {"event"}


class RecordRejected(ValueError):
    """A record that breaks the schema; the journal turns it into a JournalError, verify into a problem."""


def check_caller_fields(fields: Mapping[str, object]) -> None:
    """Refuse anything a caller may not put in a record, before it reaches the disk."""
    for name, value in fields.items():
        if isinstance(value, bytes | bytearray | memoryview):
            raise RecordRejected(f"field {name!r} holds bytes: key material and PINs never enter the journal")
        if name not in CALLER_FIELDS:
            if _SECRET_NAMES.search(name):
                raise RecordRejected(f"field {name!r} looks like a secret: PINs and material never enter the journal")
            raise RecordRejected(f"unknown field {name!r}; a record has only {', '.join(CALLER_FIELDS)}")
    _check_values(fields)


def check_record(record: Mapping[str, object]) -> None:
    """A whole record as read back: exactly the known fields, each of the right type and form."""
    if list(record) != list(FIELDS):
        missing = [f for f in FIELDS if f not in record]
        extra = [f for f in record if f not in FIELDS]
        raise RecordRejected(
            f"fields differ from a journal record (missing {missing}, unexpected {extra[:5]})"
            if missing or extra
            else "fields are not in the journal's order"
        )
    if not _is_int(record["seq"]) or record["seq"] < 1:
        raise RecordRejected("seq is not a positive number")
    _check_values(record)


def _check_values(fields: Mapping[str, object]) -> None:
    for name, value in fields.items():
        if value is None and name in _OPTIONAL:
            continue
        if name == "event":
            if not (isinstance(value, str) and value in EVENTS):
                raise RecordRejected(f"event {value!r} is not one of: {', '.join(sorted(EVENTS))}")
        elif name == "result":
            if not (isinstance(value, str) and value in RESULTS):
                raise RecordRejected(f"result {value!r} is not one of: {', '.join(sorted(RESULTS))}")
        elif name == "generation":
            if not _is_int(value) or value < 0:
                raise RecordRejected("generation is not a non-negative number")
        elif name == "detail":
            _check_detail(value)
        elif name in _FORMATS and not (isinstance(value, str) and _FORMATS[name].fullmatch(value)):
            raise RecordRejected(f"{name} {_preview(value)} is not in the expected form")


def _check_detail(value: object) -> None:
    if not isinstance(value, str) or len(value) > MAX_DETAIL:
        raise RecordRejected(f"detail must be text of at most {MAX_DETAIL} characters")
    if _MATERIAL_LIKE.search(value):
        raise RecordRejected(
            "detail holds a long hex or base64 run, the form key material takes; "
            "name material by material_id and check_value instead"
        )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _preview(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def record_hash(record: Mapping[str, object]) -> str:
    body = {name: value for name, value in record.items() if name != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_line(line: bytes) -> dict[str, object]:
    """One line back to a record, or RecordRejected saying what is wrong with it; never any other error."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, absurd numbers, hostile nesting
        raise RecordRejected("not a JSON record") from None
    if not isinstance(record, dict):
        raise RecordRejected("not a JSON object")
    check_record(record)
    if to_line(record) != line:
        raise RecordRejected("not in the form byok writes (edited by hand?)")
    if record["hash"] != record_hash(record):
        raise RecordRejected("its hash does not match its content (edited?)")
    return record


def to_line(record: Mapping[str, object]) -> bytes:
    """The one byte form a record may have on disk; verify compares against it, so any edit shows."""
    ordered = {name: record[name] for name in FIELDS}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"
