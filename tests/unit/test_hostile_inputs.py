"""Hostile tfvars and estate configuration: any input gives a ConfigError or a valid model, never a crash."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byok.errors import ConfigError
from byok.policy import load_policy
from byok.render import parse_tfvars, render_tfvars

HCL_ATOMS = st.sampled_from(
    [
        '"dev"',
        '"in-place"',
        '"alias-swap"',
        "365",
        "-1",
        "null",
        "true",
        '"2026-11-28"',
        '"x"',
        "{}",
        "[]",
        '"${var.x}"',
        '"a"',
        "1e9",
        '"\\u0000"',
        '"' + "f" * 64 + '"',
    ]
)
KEYS = st.sampled_from(
    [
        "environment",
        "keys",
        "bindings",
        "alias",
        "strategy",
        "max_age_days",
        "generations",
        "state",
        "created",
        "material_id",
        "check_value",
        "key",
        "generation",
        "description",
    ]
)


@st.composite
def hcl_values(draw, depth=0):
    if depth > 3 or draw(st.booleans()):
        return draw(HCL_ATOMS)
    items = draw(
        st.lists(
            st.tuples(st.one_of(KEYS, st.text(string.ascii_lowercase, min_size=1, max_size=4)), hcl_values(depth + 1)),
            max_size=4,
        )
    )
    return "{ " + " ".join(f'"{k}" = {v}' for k, v in items) + " }"


@st.composite
def tfvars_documents(draw):
    lines = [f"{draw(KEYS)} = {draw(hcl_values())}" for _ in range(draw(st.integers(0, 4)))]
    return "\n".join(lines) + "\n"


def accepts_or_refuses_clearly(text: str) -> None:
    try:
        state = parse_tfvars(text)
    except ConfigError as error:
        assert str(error).startswith("<tfvars>")
        assert "\n" not in str(error).strip()
        return
    assert parse_tfvars(render_tfvars(state)) == state  # what it accepts, it can write back


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tfvars_documents())
def test_structured_hostile_tfvars(text):
    accepts_or_refuses_clearly(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_as_tfvars(text):
    accepts_or_refuses_clearly(text)


TOML_VALUES = st.one_of(
    st.integers(-5, 400).map(str),
    st.sampled_from(
        [
            '"dev"',
            '["dev", "prod"]',
            "[]",
            '"09:00"',
            '"25:00"',
            '["mon"]',
            '["funday"]',
            "true",
            '{ days = ["tue"], start = "09:00", end = "08:00" }',
            '{ start = "x" }',
            '"../../etc"',
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.sampled_from(['["dev"]', '["dev", "prod"]', "[]", '"dev"', '["prod", "dev", "dev"]']),
    horizon=TOML_VALUES,
    env_field=st.sampled_from(["window", "regions", "accounts"]),
    env_value=TOML_VALUES,
    garbage=st.text(max_size=30),
)
def test_hostile_estate_configuration(tmp_path_factory, order, horizon, env_field, env_value, garbage):
    path = tmp_path_factory.mktemp("toml") / "byok.toml"
    path.write_text(
        f"[estate]\norder = {order}\nexpiry_horizon_days = {horizon}\n[environments.dev]\n{env_field} = {env_value}\n"
        f"[environments.prod]\n# {garbage}\n"
    )
    try:
        policy = load_policy(path)
    except ConfigError as error:
        assert "\n" not in str(error).strip()
        return
    assert [e.name for e in policy.environments]
