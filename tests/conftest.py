"""Fixtures shared by every suite: a real SoftHSM2 token per test module, so pytest-xdist workers never share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from byok.config import HsmSettings
from byok.hsm import Pkcs11Hsm, SoftHsmToken
from byok.hsm.softhsm import CONF_VARIABLE

USER_PIN = "pin-7f3a91c2"
SO_PIN = "so-pin-4b8e2d17"
TOKEN_LABEL = "byok-test"


@pytest.fixture(scope="session")
def user_pin() -> str:
    return USER_PIN


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> SoftHsmToken:
    return SoftHsmToken.create(tmp_path_factory.mktemp("softhsm"), TOKEN_LABEL, USER_PIN, SO_PIN)


@pytest.fixture
def settings(token: SoftHsmToken, monkeypatch: pytest.MonkeyPatch) -> HsmSettings:
    """Point SoftHSM2 at this module's token dir: another module's token may have moved it."""
    monkeypatch.setenv(CONF_VARIABLE, str(token.conf_path))
    return HsmSettings(module=token.module, token_label=token.label)


@pytest.fixture
def hsm(settings: HsmSettings) -> Iterator[Pkcs11Hsm]:
    with Pkcs11Hsm.open(settings, USER_PIN) as opened:
        yield opened
