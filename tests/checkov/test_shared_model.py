"""The pack's bridge to byok's shared model, and the retired-key list, without Checkov's start-up.

The helpers are plain Python, so they can be imported here the way Checkov imports them (by file name,
with the policy directory on sys.path); the checks that use them are proven end to end in
test_policies.py, test_retired_keys.py and test_corpus.py. One test imports the bridge with Checkov's own
interpreter, where byok is not installed: the shared model must need nothing but the standard library.
"""

from __future__ import annotations

import importlib
import os
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from byok.checkov import BIN_ENV, DEFAULT_BIN, POLICY_DIR

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def policy_module(monkeypatch: pytest.MonkeyPatch):
    """Import a helper the way Checkov does: by file name, with the policy dir on sys.path."""
    monkeypatch.syspath_prepend(str(POLICY_DIR))

    def load(name: str) -> ModuleType:
        return importlib.import_module(name)

    return load


@pytest.mark.parametrize(
    ("spelling", "key_token"),
    [
        (KEY_ID, f"key:{KEY_ID}"),
        (KEY_ID.upper(), f"key:{KEY_ID}"),
        (f"arn:aws:kms:eu-west-1:111122223333:key/{KEY_ID}", f"key:{KEY_ID}"),
        ("mrk-1234abcd12ab34cd56ef1234567890ab", "key:mrk-1234abcd12ab34cd56ef1234567890ab"),
        ("alias/prod-s3", "alias:prod-s3"),
        ("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/prod-s3", "alias:prod-s3"),
    ],
)
def test_every_spelling_reduces_to_one_token(policy_module, spelling: str, key_token: str) -> None:
    assert policy_module("byok_shared").key_tokens(spelling) == {key_token}


@pytest.mark.parametrize(
    "value",
    ["aws_kms_key.main.arn", "var.key_arn", f"arn:aws:acm:eu-west-1:111122223333:certificate/{KEY_ID}", "trace"],
)
def test_what_names_no_key_gives_no_token(policy_module, value: str) -> None:
    assert policy_module("byok_shared").key_tokens(value) == frozenset()


def test_a_template_with_an_interpolated_account_still_names_its_alias(policy_module) -> None:
    tokens = policy_module("byok_shared").key_tokens("arn:aws:kms:eu-west-1:${var.account}:alias/prod-ebs")
    assert tokens == {"alias:prod-ebs"}


def test_the_bridge_imports_in_checkovs_own_environment() -> None:
    """Checkov's interpreter has no byok installed: the bridge must bring the shared model by itself."""
    python = Path(os.environ.get(BIN_ENV) or DEFAULT_BIN).with_name("python")  # the interpreter run_checkov uses
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import byok_shared, byok_key_attributes; "
        "print(len(byok_key_attributes.KEY_ATTRIBUTES), byok_shared.key_tokens('alias/a'))"
    )
    done = subprocess.run([python, "-c", code, str(POLICY_DIR)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    count, tokens = done.stdout.split(" ", 1)
    assert int(count) > 100 and "alias:a" in tokens


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
