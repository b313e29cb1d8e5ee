"""Rendered tfvars are deterministic, stable in order, and always parse back (real HCL parser)."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byok.errors import ConfigError
from byok.estate import Binding, EnvironmentState, Generation, GenerationState, ManagedKey
from byok.model import Strategy
from byok.render import parse_tfvars, render_tfvars


def generation(number: int, state=GenerationState.ACTIVE, material="a", kcv="1a2b3c") -> Generation:
    return Generation(number, state, date(2026, 11, number % 28 + 1), material * 64 if material else "", kcv)


STATE = EnvironmentState(
    environment="dev",
    keys=(
        ManagedKey(
            "s3",
            "dev-s3",
            Strategy.IN_PLACE,
            365,
            'dev "S3" ${not.a.ref} %{x} \\ key',
            (generation(1, GenerationState.RETIRING), generation(2, GenerationState.ACTIVE, "b")),
        ),
        ManagedKey(
            "rds",
            "dev-rds",
            Strategy.ALIAS_SWAP,
            180,
            "",
            (generation(1), generation(2, GenerationState.PENDING, "", "")),
        ),
    ),
    bindings=(Binding("rds-main", "rds", 1), Binding("bucket", "s3", None)),
)


def test_round_trip_is_exact_and_sorted():
    text = render_tfvars(STATE)
    parsed = parse_tfvars(text)
    assert parsed.environment == "dev"
    assert {k.name: k for k in parsed.keys} == {k.name: k for k in STATE.keys}
    assert set(parsed.bindings) == set(STATE.bindings)
    assert text.index('"rds" = {') < text.index('"s3" = {')  # keys sorted by name
    assert text.index('"bucket"') < text.index('"rds-main"')


def test_rendering_is_byte_identical_and_order_independent():
    shuffled = EnvironmentState("dev", tuple(reversed(STATE.keys)), tuple(reversed(STATE.bindings)))
    assert render_tfvars(STATE) == render_tfvars(STATE) == render_tfvars(shuffled)


def test_a_new_generation_changes_only_its_own_lines():
    key = STATE.key("s3").with_generation(generation(3, GenerationState.PENDING, "", ""))
    before = render_tfvars(STATE).splitlines()
    after = render_tfvars(STATE.with_key(key)).splitlines()
    added = [line for line in after if line not in before]
    assert len(after) == len(before) + 1
    assert len(added) == 1 and '"3" = { state = "pending"' in added[0]


descriptions = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(description=descriptions, max_age=st.integers(1, 3650), number=st.integers(1, 500))
def test_any_description_and_numbers_round_trip(description, max_age, number):
    key = ManagedKey("k", "dev-k", Strategy.IN_PLACE, max_age, description, (generation(number),))
    state = EnvironmentState("dev", (key,), ())
    assert parse_tfvars(render_tfvars(state)).keys == (key,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("environment = ", "is not valid HCL"),
        ('environment = "dev"\nkeys = "no"', "keys must be a map"),
        ('environment = "Dev"', "environment name 'Dev'"),
        (
            'environment = "dev"\nkeys = { "s3" = { alias = "dev-s3", strategy = "sideways", max_age_days = 1 } }',
            "keys.s3.strategy is 'sideways'",
        ),
        (
            'environment = "dev"\nkeys = { "s3" = { alias = "dev-s3", strategy = "in-place", max_age_days = "x" } }',
            "keys.s3.max_age_days must be a whole number",
        ),
        (
            'environment = "dev"\nkeys = { "s3" = { alias = "dev-s3", strategy = "in-place", max_age_days = 9,'
            ' generations = { "1" = { state = "active", created = "yesterday" } } } }',
            "keys.s3.generations.1.created must be a date",
        ),
        (
            'environment = "dev"\nkeys = { "s3" = { alias = "dev-s3", strategy = "in-place", max_age_days = 9,'
            ' generations = { "1" = { state = "active", created = "2026-01-01", material_id = "zz" } } } }',
            "not 64 hex digits",
        ),
        ('environment = "dev"\nbindings = { "b" = { key = "missing" } }', "uses key 'missing'"),
    ],
)
def test_malformed_tfvars_give_one_clear_error(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_tfvars(text, source="terraform/dev/byok.auto.tfvars")
    assert message in str(caught.value)
    assert str(caught.value).startswith("terraform/dev/byok.auto.tfvars")


def test_rendered_tfvars_are_terraform_fmt_clean(tmp_path):
    """Terraform aligns the `=` of consecutive one-line entries; a PR must not fail its own fmt check."""
    from byok.terraform.engine import EmbeddedTerraform

    generations = tuple(
        generation(n, GenerationState.RETIRED if n < 12 else GenerationState.ACTIVE) for n in range(1, 13)
    )
    key = ManagedKey("s3", "dev-s3", Strategy.ALIAS_SWAP, 365, "", generations)
    bindings = (Binding("a", "s3", 1), Binding("much-longer-name", "s3", None), Binding("mid-name", "s3", 12))
    empty = ManagedKey("rds", "dev-rds", Strategy.IN_PLACE, 30, "", ())
    path = tmp_path / "byok.auto.tfvars"
    path.write_text(render_tfvars(EnvironmentState("dev", (key, empty), bindings)))
    assert EmbeddedTerraform(tmp_path / "plugins").unformatted([path]) == []
    path.write_text(render_tfvars(EnvironmentState("dev", (empty,), ())))
    assert EmbeddedTerraform(tmp_path / "plugins").unformatted([path]) == []


PLACED = EnvironmentState(
    "dev",
    (
        ManagedKey(
            "global",
            "dev-global",
            Strategy.IN_PLACE,
            365,
            "",
            (
                generation(1, GenerationState.RETIRING),
                Generation(2, GenerationState.PENDING, date(2026, 12, 1), strategy=Strategy.ALIAS_SWAP),
            ),
            account="111122223333",
            region="eu-west-1",
            replica_regions=("us-east-1", "ap-southeast-2"),
        ),
        ManagedKey("local", "dev-local", Strategy.IN_PLACE, 30, "", (generation(1),), region="eu-central-1"),
    ),
)


def test_account_region_replicas_and_a_generation_strategy_round_trip_and_are_fmt_clean(tmp_path):
    from byok.terraform.engine import EmbeddedTerraform

    text = render_tfvars(PLACED)
    assert parse_tfvars(text) == PLACED
    assert 'replica_regions = ["us-east-1", "ap-southeast-2"]' in text
    assert 'strategy = "alias-swap" }' in text
    assert "account" not in render_tfvars(STATE) and "region" not in render_tfvars(STATE)  # absent when unset
    path = tmp_path / "byok.auto.tfvars"
    path.write_text(text)
    assert EmbeddedTerraform(tmp_path / "plugins").unformatted([path]) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"account": "12345"}, "account '12345' of key global must be 12 digits"),
        ({"region": "Europe"}, "region 'Europe' of key global is not an AWS region name"),
        ({"replica_regions": ("eu-west-1",)}, "must differ from each other and from the key's own region"),
        ({"region": ""}, "multi-Region key global must name its primary region"),
    ],
)
def test_bad_placement_is_refused_with_the_key_named(change, message):
    from dataclasses import replace

    with pytest.raises(ConfigError, match=message):
        replace(PLACED.keys[0], **change)
