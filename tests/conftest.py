"""Fixtures shared by every suite: a real token per test module, on each PKCS#11 implementation byok is tested on.

``token`` is parametrised over SoftHSM2 and opencryptoki's software token, so every test that uses it runs on
both. Two markers narrow that, and the test id says why:

- ``@pytest.mark.needs("aes-key-wrap")``: the test needs a capability one token lacks; that token's id names
  the missing capability (``opencryptoki-lacks-aes-key-wrap``) and the test is skipped there with the reason.
- ``@pytest.mark.softhsm_only("why")``: the test is not run on opencryptoki for suite time; the SoftHSM2 id
  says so (``softhsm2-only-<why>``). On one parametrised case (``support/sampling.py``) it leaves that case out of
  opencryptoki's representative sample, and the case's id says so.

opencryptoki has one soft token per machine behind one daemon, so its tests (marker ``opencryptoki``) cannot run
in several xdist workers at once: a parallel run leaves them out (shown as deselected) and ``make test`` runs them
in a second, serial pass (``pytest -m opencryptoki``). SoftHSM2 tokens live under each module's tmp dir.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from byok.config import HsmSettings
from byok.hsm import Pkcs11Hsm, SoftHsmToken
from byok.hsm.opencryptoki import OpencryptokiToken, SlotDaemon
from byok.model import WrappingAlgorithm as Alg

TOKEN_LABEL = "byok-test"


@dataclass(frozen=True)
class TokenKind:
    """A PKCS#11 implementation under test: its PINs (opencryptoki allows 4-8 characters) and what it lacks."""

    name: str
    user_pin: str
    so_pin: str
    lacks: dict[str, str]  # capability -> why it is missing
    wraps_with: tuple[Alg, ...]  # what its probe finds, strongest first


SOFTHSM2 = TokenKind(
    "softhsm2",
    "pin-7f3a91c2",
    "so-pin-4b8e2d17",
    {
        "rsa-oaep-sha256": "SoftHSM2 2.6.1 runs RSA-OAEP with SHA-1 only (SHA-256: CKR_ARGUMENTS_BAD)",
        "slot-daemon": "SoftHSM2 is a library alone, with no daemon that could be down",
    },
    (Alg.RSA_AES_KEY_WRAP_SHA_1, Alg.RSAES_OAEP_SHA_1),
)
OPENCRYPTOKI = TokenKind(
    "opencryptoki",
    "us7f3a91",
    "so4b8e2d",
    {
        "aes-key-wrap": "opencryptoki 3.8.1 has no CKM_AES_KEY_WRAP(_PAD), so no RSA_AES two-step wrap",
        "check-value": "opencryptoki 3.8.1 has no CKA_CHECK_VALUE",
        "trusted-wrapping": "opencryptoki 3.8.1 refuses CKA_WRAP_WITH_TRUSTED, CKA_COPYABLE (ATTRIBUTE_TYPE_INVALID)",
        "token-per-dir": "opencryptoki has one soft token per machine, at a compiled-in path",
    },
    (Alg.RSAES_OAEP_SHA_256, Alg.RSAES_OAEP_SHA_1),
)
KINDS = (SOFTHSM2, OPENCRYPTOKI)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(capability, ...): skip (and name it in the id) on tokens lacking it")
    config.addinivalue_line("markers", "softhsm_only(why): run on SoftHSM2 only, for the reason in the id")
    config.addinivalue_line("markers", "opencryptoki: uses the machine's one opencryptoki token (serial pass only)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "token" not in metafunc.fixturenames:
        return
    needs = [capability for mark in metafunc.definition.iter_markers("needs") for capability in mark.args]
    only = metafunc.definition.get_closest_marker("softhsm_only")
    params = []
    for kind in KINDS:
        missing = [capability for capability in needs if capability in kind.lacks]
        if only is not None and kind is not SOFTHSM2:
            continue
        if missing:
            marks = [pytest.mark.opencryptoki] if kind is OPENCRYPTOKI else []
            params.append(pytest.param(kind, id=f"{kind.name}-lacks-{'-'.join(missing)}", marks=marks))
            continue
        marks = [pytest.mark.opencryptoki] if kind is OPENCRYPTOKI else []
        name = f"{kind.name}-only-{_slug(only.args[0])}" if only is not None else kind.name
        params.append(pytest.param(kind, id=name, marks=marks))
    metafunc.parametrize("token", params, indirect=True, scope="module")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip, with the reason, where the token lacks what the test (or one of its parameters) needs.

    Under pytest-xdist, the opencryptoki items are deselected in every worker alike (one token, one daemon per
    machine; xdist's own grouping does not work with this pytest): the serial pass runs them.
    """
    sampled_out = [
        item for item in items if _token_of(item) is OPENCRYPTOKI and item.get_closest_marker("softhsm_only")
    ]
    if sampled_out:  # a case outside opencryptoki's sample (support/sampling.py): its SoftHSM2 id says why
        config.hook.pytest_deselected(items=sampled_out)
        items[:] = [item for item in items if item not in sampled_out]
    if hasattr(config, "workerinput") or config.getoption("numprocesses", None):
        shared = [item for item in items if item.get_closest_marker("opencryptoki")]
        if shared:
            config.hook.pytest_deselected(items=shared)
            items[:] = [item for item in items if not item.get_closest_marker("opencryptoki")]
    for item in items:
        kind = _token_of(item)
        if kind is None:
            continue
        needs = [capability for mark in item.iter_markers("needs") for capability in mark.args]
        missing = [kind.lacks[capability] for capability in needs if capability in kind.lacks]
        if missing:
            item.add_marker(pytest.mark.skip(reason="; ".join(missing)))


def _token_of(item: pytest.Item) -> TokenKind | None:
    kind = getattr(getattr(item, "callspec", None), "params", {}).get("token")
    return kind if isinstance(kind, TokenKind) else None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_created: set[str] = set()  # names of the token kinds this session initialised (so may reset at the end)


@pytest.fixture(scope="session")
def slot_daemon() -> Iterator[SlotDaemon]:
    """pkcsslotd for the opencryptoki tests; stopped at the end, and the soft token reset if the tests created it."""
    daemon = SlotDaemon()
    daemon.start()
    yield daemon
    daemon.stop(factory_reset=OPENCRYPTOKI.name in _created)


@pytest.fixture(scope="module")
def token(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A fresh, initialised token of the requested kind, labelled ``byok-test``."""
    kind: TokenKind = getattr(request, "param", SOFTHSM2)
    if kind is OPENCRYPTOKI:
        request.getfixturevalue("slot_daemon")
        made = OpencryptokiToken.create(TOKEN_LABEL, kind.user_pin, kind.so_pin)  # refuses someone else's token
        _created.add(kind.name)
    else:
        made = SoftHsmToken.create(tmp_path_factory.mktemp("softhsm"), TOKEN_LABEL, kind.user_pin, kind.so_pin)
    return TokenUnderTest(kind, made)


@dataclass(frozen=True)
class TokenUnderTest:
    """The token plus what tests need to know about its implementation."""

    kind: TokenKind
    handle: SoftHsmToken | OpencryptokiToken

    @property
    def label(self) -> str:
        return self.handle.label

    @property
    def module(self) -> str:
        return self.handle.module

    @property
    def env(self) -> dict[str, str]:
        return {**self.handle.env, "BYOK_PKCS11_MODULE": self.handle.module}

    @property
    def user_pin(self) -> str:
        return self.kind.user_pin

    @property
    def so_pin(self) -> str:
        return self.kind.so_pin

    def lacks(self, capability: str) -> bool:
        return capability in self.kind.lacks


@pytest.fixture
def user_pin(token: TokenUnderTest) -> str:
    return token.user_pin


@pytest.fixture
def settings(token: TokenUnderTest) -> HsmSettings:
    """Point this process at this module's token (another module's SoftHSM2 token may be the active one)."""
    token.handle.activate()
    return HsmSettings(module=token.module, token_label=token.label)


@pytest.fixture
def hsm(settings: HsmSettings, user_pin: str) -> Iterator[Pkcs11Hsm]:
    with Pkcs11Hsm.open(settings, user_pin) as opened:
        yield opened
