"""The identifier rules the literal-key and retired-key policies share, without Checkov's start-up.

These helpers are plain Python so they can be imported here; the checks that use them are proven
end to end in test_policies.py and test_retired_keys.py.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from byok.checkov import POLICY_DIR

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def policy_module(monkeypatch: pytest.MonkeyPatch):
    """Import a helper the way Checkov does: by file name, with the policy dir on sys.path."""
    monkeypatch.syspath_prepend(str(POLICY_DIR))

    def load(name: str) -> ModuleType:
        return importlib.import_module(name)

    return load


@pytest.mark.parametrize(
    ("spelling", "token"),
    [
        (KEY_ID, f"key:{KEY_ID}"),
        (KEY_ID.upper(), f"key:{KEY_ID}"),
        (f"arn:aws:kms:eu-west-1:111122223333:key/{KEY_ID}", f"key:{KEY_ID}"),
        ("mrk-1234abcd12ab34cd56ef1234567890ab", "key:mrk-1234abcd12ab34cd56ef1234567890ab"),
        ("alias/prod-s3", "alias:prod-s3"),
        ("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/prod-s3", "alias:prod-s3"),
    ],
)
def test_every_spelling_reduces_to_one_token(policy_module, spelling: str, token: str) -> None:
    assert policy_module("byok_key_identifiers").key_tokens(spelling) == {token}


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("aws_kms_key.main.arn", False),
        ("aws_kms_alias.main.arn", False),
        ("data.aws_kms_alias.shared.target_key_arn", False),
        ("var.key_arn", False),
        ("${module.key.key_arn}", False),
        (KEY_ID, True),
        ("alias/prod-s3", True),
        ("arn:aws:kms:eu-west-1:${var.account}:alias/prod-ebs", True),
    ],
)
def test_literal_means_hand_written_identifier(policy_module, value: str, literal: bool) -> None:
    assert policy_module("byok_key_identifiers").is_literal_key(value) is literal


@pytest.mark.parametrize(
    "content",
    [
        f"# retired\n\n{KEY_ID}\nalias/orders-g1\n",
        f'["{KEY_ID}", "arn:aws:kms:eu-west-1:111122223333:alias/orders-g1"]',
    ],
    ids=["lines", "json"],
)
def test_retired_list_formats(policy_module, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str) -> None:
    retired = policy_module("byok_retired_keys")
    listing = tmp_path / "retired"
    listing.write_text(content)
    monkeypatch.setenv(retired.ENV_VAR, str(listing))
    assert retired.retired_tokens() == {f"key:{KEY_ID}", "alias:orders-g1"}


def test_no_list_means_nothing_to_compare(policy_module, monkeypatch: pytest.MonkeyPatch) -> None:
    retired = policy_module("byok_retired_keys")
    monkeypatch.delenv(retired.ENV_VAR, raising=False)
    assert retired.retired_tokens() is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "No such file"),
        ("prod-s3\n", "is not one key ID"),
        (f"{KEY_ID} alias/orders-g1\n", "is not one key ID"),
        ('["alias/a", 3]', "only strings"),
        ('["alias/a"', "not valid JSON"),
    ],
    ids=["missing", "not-a-key", "two-on-a-line", "non-string", "broken-json"],
)
def test_unusable_list_raises(
    policy_module, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, reason: str
) -> None:
    retired = policy_module("byok_retired_keys")
    listing = tmp_path / "retired"
    if content is not None:
        listing.write_text(content)
    monkeypatch.setenv(retired.ENV_VAR, str(listing))
    with pytest.raises(retired.RetiredKeysUnreadable, match=reason):
        retired.retired_tokens()
