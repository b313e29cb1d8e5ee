"""Every output format renders the same listing faithfully."""

import json
from datetime import UTC, datetime

from byok.model import KeyMaterialState
from byok.output import FORMATS, Listing

LISTING = Listing(
    title="materials",
    columns=["id", "state", "expires", "count"],
    rows=[
        {
            "id": "a|b",
            "state": KeyMaterialState.CURRENT,
            "expires": datetime(2027, 1, 2, tzinfo=UTC),
            "count": 3,
        },
        {"id": "c", "state": KeyMaterialState.NON_CURRENT, "expires": None, "count": 0},
    ],
    notes=["note one"],
)


def test_json_keeps_types_and_columns():
    document = json.loads(FORMATS["json"](LISTING))
    assert document["rows"][0] == {
        "id": "a|b",
        "state": "CURRENT",
        "expires": "2027-01-02T00:00:00+00:00",
        "count": 3,
    }
    assert document["rows"][1]["expires"] is None
    assert document["notes"] == ["note one"]


def test_markdown_escapes_pipes_and_shows_absent_as_dash():
    text = FORMATS["markdown"](LISTING)
    assert "| a\\|b | CURRENT | 2027-01-02T00:00:00+00:00 | 3 |" in text
    assert "| c | NON_CURRENT | - | 0 |" in text
    assert "> note one" in text


def test_table_shows_every_row_and_note():
    text = FORMATS["table"](LISTING)
    assert "NON_CURRENT" in text and "a|b" in text and "note one" in text
