"""Finding the token, logging in, surviving a lost session, and keeping the PIN out of every message."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import time
import traceback
from pathlib import Path

import PyKCS11
import pytest

from byok.config import HsmSettings
from byok.errors import ByokError, HsmError, PinIncorrect, TokenNotFound
from byok.hsm import Pkcs11Hsm, SoftHsmToken
from byok.hsm.session import TokenSession

BYOK = str(Path(sys.executable).with_name("byok"))


def test_softhsm_token_is_reused_and_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    token = SoftHsmToken.create(tmp_path, "fresh", "1111", "2222")
    elapsed = time.perf_counter() - started
    again = SoftHsmToken.create(tmp_path, "fresh", "1111", "2222")

    assert again == token
    assert len(list((tmp_path / "tokens").iterdir())) == 1
    assert token.env == {"SOFTHSM2_CONF": str(tmp_path / "softhsm2.conf")}
    assert "directories.tokendir = " + str(tmp_path / "tokens") in token.conf_path.read_text()
    assert elapsed < 1.0


def test_wrong_pin_is_reported_without_the_pin(settings: HsmSettings) -> None:
    wrong = f"wrong-{secrets.token_hex(4)}"  # made at run time, so no source line in a traceback shows it
    with pytest.raises(PinIncorrect, match="refused the user PIN \\(CKR_PIN_INCORRECT\\)") as caught:
        Pkcs11Hsm.open(settings, wrong)
    assert wrong not in _everything_about(caught.value)


def test_locked_pin_is_reported_as_such(settings: HsmSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """SoftHSM2 never locks a PIN, so the token's answer is simulated at the C_Login boundary."""

    def locked(session: PyKCS11.Session, pin: str, user_type: int = PyKCS11.CKU_USER) -> None:
        raise PyKCS11.PyKCS11Error(PyKCS11.CKR_PIN_LOCKED)

    monkeypatch.setattr(PyKCS11.Session, "login", locked)
    with pytest.raises(PinIncorrect, match="CKR_PIN_LOCKED.*security officer must unlock"):
        Pkcs11Hsm.open(settings, "any-pin")


def test_missing_token_lists_the_tokens_that_exist(settings: HsmSettings, user_pin: str) -> None:
    missing = HsmSettings(module=settings.module, token_label="no-such-token")
    with pytest.raises(TokenNotFound, match="no token labelled 'no-such-token'.*tokens present: 'byok-test'"):
        Pkcs11Hsm.open(missing, user_pin)


def test_missing_library(user_pin: str, tmp_path: Path) -> None:
    absent = HsmSettings(module=str(tmp_path / "libnothing.so"), token_label="byok-test")
    with pytest.raises(HsmError, match="libnothing.so does not exist -> install the HSM client"):
        Pkcs11Hsm.open(absent, user_pin)


def test_file_that_is_not_a_pkcs11_library(user_pin: str, tmp_path: Path) -> None:
    junk = tmp_path / "libjunk.so"
    junk.write_bytes(b"not a shared object")
    with pytest.raises(HsmError, match="cannot load PKCS#11 library .*libjunk.so"):
        Pkcs11Hsm.open(HsmSettings(module=str(junk), token_label="byok-test"), user_pin)


def test_session_loss_is_recovered_once(hsm: Pkcs11Hsm) -> None:
    material = hsm.generate_material("lost-1")
    _lose_all_sessions(hsm)
    assert hsm.find_material("lost-1") == material


def test_second_session_loss_fails_clearly(hsm: Pkcs11Hsm, monkeypatch: pytest.MonkeyPatch) -> None:
    login = TokenSession._login

    def login_into_a_dying_session(connection: TokenSession) -> PyKCS11.Session:
        session = login(connection)
        session.closeSession()
        return session

    monkeypatch.setattr(TokenSession, "_login", login_into_a_dying_session)
    _lose_all_sessions(hsm)
    with pytest.raises(HsmError, match="lost the session to token 'byok-test' twice in a row"):
        hsm.list_materials()


@pytest.mark.needs("token-per-dir")
def test_a_token_made_by_another_process_is_found(settings: HsmSettings, user_pin: str, token) -> None:
    script = (
        "import sys; from pathlib import Path; from byok.hsm import SoftHsmToken; "
        "SoftHsmToken.create(Path(sys.argv[1]), 'late-token', sys.argv[2], 'so-pin-1')"
    )
    # The PIN travels on argv here only because it is a throwaway test PIN.
    subprocess.run([sys.executable, "-c", script, str(token.handle.conf_path.parent), user_pin], check=True)
    late = HsmSettings(module=settings.module, token_label="late-token")
    with Pkcs11Hsm.open(late, user_pin) as hsm:
        assert hsm.token_info().label == "late-token"


def test_pin_never_reaches_logs_or_errors(
    settings: HsmSettings, user_pin: str, public_key_der, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    messages = []
    for pin in (user_pin[:-1], user_pin):
        try:
            with Pkcs11Hsm.open(settings, pin) as hsm:
                hsm.generate_material("pin-1")
                _lose_all_sessions(hsm)
                hsm.wrap("pin-1", public_key_der(2048), hsm.choose_algorithm().algorithm)
                hsm.generate_material("pin-1")
        except ByokError as exc:
            messages.append(_everything_about(exc))
    assert len(messages) == 2  # the wrong PIN, then the duplicate label
    assert "session lost" in caplog.text
    for text in [caplog.text, *messages]:
        assert user_pin not in text and user_pin[:-1] not in text


def _lose_all_sessions(hsm: Pkcs11Hsm) -> None:
    """What an HSM reboot or a network HSM fail-over does to the sessions of this process."""
    hsm._connection.lib.closeAllSessions(hsm._connection.slot)


def _everything_about(error: BaseException) -> str:
    return str(error) + repr(error) + "".join(traceback.format_exception(error))


@pytest.mark.needs("slot-daemon")
def test_stopped_daemon_is_named_as_the_cause(token, slot_daemon, user_pin: str, tmp_path: Path) -> None:
    """opencryptoki answers C_Initialize with CKR_HOST_MEMORY when pkcsslotd is down: say that, exit 4."""
    if slot_daemon.started_pid is None:
        pytest.skip("pkcsslotd was already running before the tests: not ours to stop")
    pin_file = tmp_path / "pin"
    pin_file.write_text(user_pin)
    pin_file.chmod(0o600)
    env = {**_clean_env(), **token.env, "BYOK_TOKEN_LABEL": token.label, "BYOK_HSM_PIN_FILE": str(pin_file)}
    slot_daemon.stop()
    try:
        result = subprocess.run([BYOK, "hsm", "probe"], env=env, capture_output=True, text=True, timeout=60)
    finally:
        slot_daemon.start()
    assert result.returncode == 4, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "CKR_HOST_MEMORY" in line and "pkcsslotd is not running -> start it" in line
    assert "module path" not in line and user_pin not in result.stdout + result.stderr


def test_wrong_token_label_is_one_line_not_a_crash(token, user_pin: str, tmp_path: Path) -> None:
    """opencryptoki crashed (exit 139) when byok unloaded and reloaded the library to look for the token again."""
    pin_file = tmp_path / "pin"
    pin_file.write_text(user_pin)
    pin_file.chmod(0o600)
    env = {**_clean_env(), **token.env, "BYOK_TOKEN_LABEL": "no-such-token", "BYOK_HSM_PIN_FILE": str(pin_file)}
    result = subprocess.run([BYOK, "hsm", "probe"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 4, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert (
        "no token labelled 'no-such-token'" in line and f"'{token.label}'" in line and "-> set BYOK_TOKEN_LABEL" in line
    )


def _clean_env() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith(("BYOK_", "SOFTHSM2_"))}
