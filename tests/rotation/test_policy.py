"""byok.toml: order, windows and their next opening, and clear errors."""

from datetime import UTC, datetime

import pytest

from byok.errors import ConfigError
from byok.policy import MaintenanceWindow, load_policy

GOOD = """
[estate]
order = ["dev", "int", "prod"]
expiry_horizon_days = 21

[environments.dev]
[environments.int]
[environments.prod]
regions = ["eu-central-1", "eu-west-1"]
accounts = [111111111111]
window = { days = ["tue", "wed"], start = "09:00", end = "15:00" }
"""


def test_policy_reads_order_windows_and_paths(tmp_path):
    path = tmp_path / "byok.toml"
    path.write_text(GOOD)
    policy = load_policy(path)
    assert [e.name for e in policy.environments] == ["dev", "int", "prod"]
    assert policy.previous("prod").name == "int" and policy.previous("dev") is None
    assert policy.environment("prod").accounts == ("111111111111",)
    assert policy.tfvars_path("int") == tmp_path / "terraform" / "int" / "byok.auto.tfvars"
    assert policy.expiry_horizon_days == 21


def test_window_contains_and_next_opening():
    window = MaintenanceWindow(
        days=("tue", "wed"), start=datetime(2026, 1, 1, 9).time(), end=datetime(2026, 1, 1, 15).time()
    )
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert not window.contains(saturday)
    assert window.next_opening(saturday) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    tuesday_noon = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert window.contains(tuesday_noon) and window.next_opening(tuesday_noon) == tuesday_noon
    tuesday_evening = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert window.next_opening(tuesday_evening) == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[estate\n", "is not valid TOML"),
        ("[estate]\norder = []\n", "estate.order must list"),
        ("[estate]\norder = ['dev']\n", "[environments.<name>] is missing"),
        (
            "[estate]\norder=['dev']\n[environments.dev]\nwindow = { days = ['funday'] }\n",
            "environments.dev.window.days ['funday'] must be drawn from mon, tue",
        ),
        (
            "[estate]\norder=['dev']\n[environments.dev]\nwindow = { start = '25:00' }\n",
            "environments.dev.window.start is '25:00', not a time of day -> write HH:MM (UTC) between 00:00 and 23:59",
        ),
        (
            "[estate]\norder=['dev']\n[environments.dev]\nwindow = { start = '15:00', end = '09:00' }\n",
            "environments.dev.window.start 15:00 must come before window.end 09:00 -> a window is one range",
        ),
        (
            "[estate]\norder=['dev']\nexpiry_horizion_days = 10\n[environments.dev]\n",
            "unknown field 'estate.expiry_horizion_days' -> did you mean 'estate.expiry_horizon_days'?",
        ),
        (
            "[estate]\norder=['dev']\n[environments.dev]\nregion = ['eu-west-1']\n",
            "unknown field 'environments.dev.region' -> did you mean 'environments.dev.regions'?",
        ),
        (
            "[estate]\norder=['dev']\n[environments.dev]\nwindow = { day = ['mon'] }\n",
            "unknown field 'environments.dev.window.day' -> did you mean 'environments.dev.window.days'?",
        ),
        ("[estate]\norder=['dev']\n[environments.dev]\n[extras]\n", "fields allowed in the top level: environments"),
    ],
)
def test_bad_policy_is_one_clear_error_naming_file_and_field(tmp_path, text, message):
    path = tmp_path / "byok.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}") or "is not valid TOML" in str(caught.value)
    assert message in str(caught.value) and " -> " in str(caught.value)


def test_missing_policy_file_says_how_to_create_it(tmp_path):
    with pytest.raises(ConfigError, match="`byok init --env NAME` creates one"):
        load_policy(tmp_path / "byok.toml")


def test_binary_policy_file_is_a_configuration_error(tmp_path):
    path = tmp_path / "byok.toml"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_policy(path)
