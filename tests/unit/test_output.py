"""Every output format renders the same document faithfully; tables fit the width and never cut an identifier."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from byok.cli.demo_cmd import DEMO_COLUMNS, story_row
from byok.demo import KeyStory
from byok.model import KeyMaterialState
from byok.output import FORMATS, Column, Document, Listing, View, identifier, optional
from byok.output.json_format import chunks, plain
from byok.output.model import Streamed
from byok.output.table import display_width
from byok.output.terminal import terminal_width
from support.output_schema import documented, schema

REPO = Path(__file__).resolve().parents[2]
ARN = "arn:aws:kms:eu-central-1:111122223333:key/44444444-4444-4444-8444-444444444444"
MATERIAL = "f" * 64

LISTING = Listing(
    kind="materials",
    title="materials",
    columns=[identifier("id"), "state", "expires", Column("count")],
    rows=[
        {"id": "a|b", "state": KeyMaterialState.CURRENT, "expires": datetime(2027, 1, 2, tzinfo=UTC), "count": 3},
        {"id": "c", "state": KeyMaterialState.NON_CURRENT, "expires": None, "count": 0},
    ],
    notes=["note one"],
    facts=[(identifier("key_arn", "key"), ARN), ("tags", ["a", "b"])],
)
WIDE_LISTING = Listing(
    kind="materials",
    title="key materials",
    columns=[identifier("material_id", "material id"), "state", identifier("hsm_label", "hsm label"), optional("note")],
    rows=[
        {"material_id": MATERIAL, "state": "CURRENT", "hsm_label": "byok/dev/s3/g2/" + "1" * 36, "note": "x " * 30},
        {"material_id": "e" * 64, "state": "NON_CURRENT", "hsm_label": "byok/dev/s3/g1/" + "2" * 36, "note": "y"},
    ],
    facts=[(identifier("key_arn", "key"), ARN)],
)
IDENTIFIERS = {ARN, MATERIAL, "e" * 64, "byok/dev/s3/g2/" + "1" * 36, "byok/dev/s3/g1/" + "2" * 36}


def test_json_keeps_types_snake_case_keys_arrays_and_facts():
    document = json.loads(FORMATS["json"](LISTING.document(), View()))
    assert document["kind"] == "materials" and document["key_arn"] == ARN and document["tags"] == ["a", "b"]
    assert document["rows"][0] == {"id": "a|b", "state": "CURRENT", "expires": "2027-01-02T00:00:00+00:00", "count": 3}
    assert document["rows"][1]["expires"] is None
    assert document["notes"] == ["note one"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "k"},
        {"kind": "k", "rows": [], "notes": ["two\nlines"], "nested": {"a": [1, {"b": []}], "c": {}}},
        {"kind": "k", "findings": [{"id": "é", "at": datetime(2027, 1, 2, tzinfo=UTC)}, {"id": "b"}], "keys": []},
    ],
)
def test_json_written_in_pieces_is_the_same_text_as_one_dump(body):
    """A drift run over 100,000 keys writes its JSON a finding at a time; the text must not change."""
    whole = json.dumps(plain(body), indent=2) + "\n"
    streamed = {k: Streamed(tuple(v), lambda item: item) if isinstance(v, list) else v for k, v in body.items()}
    pieces = list(chunks(Document("k", "t", streamed)))
    assert "".join(pieces) == whole
    if body.get("findings"):
        assert len(pieces) > len(body) + 1, "each streamed item is a piece of its own"


def test_a_listing_refuses_keys_that_are_not_snake_case_or_not_columns():
    with pytest.raises(ValueError, match="snake_case"):
        Column("key id")
    with pytest.raises(ValueError, match="not columns"):
        Listing("k", "t", ["a"], [{"a": 1, "b": 2}]).document()


def test_markdown_escapes_pipes_and_shows_absent_as_dash():
    text = FORMATS["markdown"](LISTING.document(), View())
    assert "| `a\\|b` | CURRENT | 2027-01-02T00:00:00+00:00 | 3 |" in text
    assert "| `c` | NON_CURRENT | - | 0 |" in text
    assert f"- **key**: `{ARN}`" in text and "- **tags**: a, b" in text
    assert "> note one" in text


def test_table_shows_every_row_fact_and_note():
    text = FORMATS["table"](LISTING.document(), View(None))
    assert "NON_CURRENT" in text and "a|b" in text and "note one" in text and f"key: {ARN}" in text


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 160])
def test_tables_fit_the_width_and_keep_identifiers_whole(width):
    text = FORMATS["table"](WIDE_LISTING.document(), View(width))
    lines = text.splitlines()
    # Only an identifier wider than the terminal may overflow, alone on its line: a cut ID is worse.
    too_wide = [line for line in lines if display_width(line) > width]
    assert all(line.strip() in IDENTIFIERS and len(line.strip()) > width - 2 for line in too_wide), text
    for whole in IDENTIFIERS:
        assert any(whole in line for line in lines), (whole, text)


def test_a_narrow_terminal_drops_optional_columns_first_and_says_so():
    listing = Listing("k", "t", [identifier("key_id"), "state", optional("origin")], [
        {"key_id": "1234abcd-12ab-34cd-56ef-1234567890ab", "state": "Enabled", "origin": "EXTERNAL" * 4},
    ])  # fmt: skip
    wide = FORMATS["table"](listing.document(), View(None))
    narrow = FORMATS["table"](listing.document(), View(50))
    assert "EXTERNAL" in wide and "EXTERNAL" not in narrow
    assert "columns left out at this width: origin (--wide or -o json shows them)" in " ".join(narrow.split())
    assert "1234abcd-12ab-34cd-56ef-1234567890ab  Enabled" in narrow  # still a table, not records


def test_without_a_width_nothing_wraps():
    text = FORMATS["table"](WIDE_LISTING.document(), View(None))
    assert any(MATERIAL in line and "byok/dev/s3/g2/" in line and "x x x" in line for line in text.splitlines())


def test_terminal_width_follows_columns_and_is_unlimited_for_a_pipe(monkeypatch):
    monkeypatch.setenv("COLUMNS", "77")
    assert terminal_width() == 77
    monkeypatch.delenv("COLUMNS")
    assert terminal_width() is None  # pytest captures stdout: not a terminal


def test_every_kind_the_commands_print_is_documented_and_nothing_else():
    sources = " ".join(p.read_text(encoding="utf-8") for p in (REPO / "scripts" / "byok" / "cli").glob("*.py"))
    printed = set(re.findall(r'Listing\(\s*"([a-z_]+)"', sources)) | {"drift"}
    assert printed == set(schema()["$defs"])


def test_the_demo_document_matches_its_schema():
    """The demo's own run is an end-to-end test; its document shape is checked here, without the minute it takes."""
    story = KeyStory("s3", "alias-swap", 1, 2, "a" * 36, "b" * 36, "c" * 64, "d" * 64, "c" * 64, None)
    row = story_row(story)
    text = FORMATS["json"](Listing("demo", "byok demo", DEMO_COLUMNS, [row], ["note"]).document(), View())
    assert documented(text, "demo")["rows"][0]["ok"] is False
