"""One schema for byok.toml and the tfvars: unknown fields refused with a did-you-mean, and rows for the docs."""

from __future__ import annotations

from datetime import date

import pytest

from byok.errors import ConfigError
from byok.model import Strategy
from byok.render import parse_tfvars, render_tfvars
from byok.scaffold import KeySpec, first_state
from byok.schema import BYOK_TOML, TFVARS, check_keys, reference


def test_reference_lists_every_field_the_loaders_know_with_type_default_and_description():
    rows = {path: (kind, default, text) for path, kind, default, text in reference(BYOK_TOML)}
    assert rows["estate.expiry_horizon_days"] == (
        "integer 1-365",
        "30",
        "Propose keys due within this many days; warn on materials expiring within it.",
    )
    assert rows["estate.order"][1] == "required"
    assert rows["environments.<name>.window.days"][0] == "list of strings"
    assert "keys.<name>.generations.<number>.material_id" in {row[0] for row in reference(TFVARS)}
    assert all(text.endswith(".") for _, _, _, text in reference(BYOK_TOML))


def test_user_named_entries_are_checked_field_by_field():
    document = {"environments": {"dev": {"regions": [], "window": {"days": [], "begin": "09:00"}}}}
    with pytest.raises(ConfigError) as caught:
        check_keys(document, BYOK_TOML, "byok.toml")
    assert str(caught.value) == (
        "byok.toml: unknown field 'environments.dev.window.begin' -> "
        "fields allowed in environments.dev.window: days, end, start"
    )


def test_rendered_tfvars_pass_and_a_typo_in_them_is_refused():
    text = render_tfvars(first_state("qa", [KeySpec("s3", Strategy.IN_PLACE, 90)], date(2026, 12, 1)))
    assert parse_tfvars(text, "qa.tfvars").keys[0].alias == "qa-s3"
    with pytest.raises(ConfigError, match="unknown field 'keys.s3.generations.1.checkvalue' -> did you mean"):
        parse_tfvars(text.replace("check_value", "checkvalue"), "qa.tfvars")
