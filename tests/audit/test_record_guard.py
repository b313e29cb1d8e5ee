"""No PIN, no material, no unknown field gets into the journal: the writer refuses, nothing is written."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from byok.audit.errors import JournalError
from byok.audit.journal import Journal


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal.open(tmp_path / "journal.jsonl")


@pytest.mark.parametrize(
    "name", ["pin", "user_pin", "so_pin", "secret", "plaintext", "password", "import_token", "wrapped_material"]
)
def test_secret_sounding_fields_are_refused_as_secrets(journal: Journal, name: str) -> None:
    with pytest.raises(JournalError, match=f"field '{name}' looks like a secret"):
        journal.append("material-imported", **{name: "1234"})
    assert not journal.path.exists() or journal.path.read_bytes() == b""


def test_unknown_fields_are_refused(journal: Journal) -> None:
    with pytest.raises(JournalError, match="unknown field 'note'; a record has only event, environment"):
        journal.append("rotated", note="hello")


@pytest.mark.parametrize("value", [b"\x00" * 32, bytearray(32), memoryview(b"k" * 32)])
def test_bytes_are_refused_in_any_field(journal: Journal, value: object) -> None:
    with pytest.raises(JournalError, match="holds bytes: key material and PINs never enter the journal"):
        journal.append("material-generated", detail=value)


@pytest.mark.parametrize(
    "detail",
    [
        "material " + "0123456789abcdef" * 4,  # 32 bytes in hex
        "blob " + base64.b64encode(bytes(range(32))).decode(),  # 32 bytes in base64
    ],
)
def test_a_detail_that_looks_like_material_is_refused(journal: Journal, detail: str) -> None:
    with pytest.raises(JournalError, match="long hex or base64 run, the form key material takes"):
        journal.append("run-failed", detail=detail)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"check_value": "0123456789abcdef0123"}, "check_value '0123456789abcdef0123' is not in the expected form"),
        ({"generation": 2.5}, "generation is not a non-negative number"),
        ({"generation": True}, "generation is not a non-negative number"),
        ({"result": "fine"}, "result 'fine' is not one of"),
        ({"key": "../../etc"}, "key '../../etc' is not in the expected form"),
        ({"detail": "x" * 1001}, "detail must be text of at most 1000 characters"),
        ({"material_id": "a" * 200}, "material_id"),
    ],
)
def test_each_field_keeps_its_narrow_form(journal: Journal, fields: dict, message: str) -> None:
    with pytest.raises(JournalError, match=message.replace("(", r"\(")):
        journal.append("verified", **fields)


def test_events_are_a_closed_vocabulary(journal: Journal) -> None:
    with pytest.raises(JournalError, match="event 'exported-material' is not one of"):
        journal.append("exported-material")


def test_an_ordinary_failure_detail_is_accepted(journal: Journal) -> None:
    record = journal.append(
        "run-failed",
        environment="prod",
        key="payments",
        detail="KMS refused the import: ImportTokenExpired (arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab)",
        result="failed",
    )
    assert record["seq"] == 1
