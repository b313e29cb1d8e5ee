"""``byok sandbox``: the embedded default as first-class commands, a server that stops on signals, a clock.

Every endpoint here listens on 127.0.0.1 and is stopped by the test that started it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from byok.sandbox.address import warn_unless_loopback

BYOK = str(Path(sys.executable).with_name("byok"))


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BYOK_", "SOFTHSM2_"))}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_prints_its_url_first_and_stops_cleanly_on_a_signal(signum):
    server = subprocess.Popen(
        [BYOK, "sandbox", "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_clean_env()
    )
    try:
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        server.send_signal(signum)
        _, stderr = server.communicate(timeout=30)
    finally:
        server.kill() if server.poll() is None else None
    assert server.returncode == 0, stderr
    assert stderr.strip() == "sandbox stopped"


def test_a_non_loopback_address_is_announced(capsys):
    warn_unless_loopback("127.0.0.1")
    assert capsys.readouterr().err == ""
    warn_unless_loopback("0.0.0.0")  # noqa: S104 - only resolved here, never bound
    assert "WARNING: the sandbox listens on 0.0.0.0, not on loopback" in capsys.readouterr().err


def test_up_env_clock_down_let_a_user_try_expiry_without_waiting(tmp_path):
    state = tmp_path / "sandbox"
    env = {**_clean_env(), "PATH": f"{Path(BYOK).parent}:{os.environ['PATH']}"}

    def byok(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([BYOK, *args], env=env, capture_output=True, text=True, timeout=180, check=False)

    def in_sandbox(command: str) -> subprocess.CompletedProcess:
        script = f'eval "$({BYOK} sandbox env --state-dir {state})"; {command}'
        return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=180, check=False)

    started = byok("sandbox", "up", "--state-dir", str(state))
    try:
        assert started.returncode == 0, started.stderr
        assert 'eval "$(byok sandbox env)"' in started.stderr
        line = byok("sandbox", "env", "--state-dir", str(state)).stdout
        assert line.startswith("set -a; . ") and "TF_VAR" not in line and "testing" not in line

        settings = dict(
            entry.split("=", 1) for entry in (state / "sandbox.env").read_text().splitlines() if "=" in entry
        )
        kms = boto3.client(
            "kms",
            endpoint_url=settings["BYOK_AWS_ENDPOINT"],
            region_name=settings["AWS_REGION"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - the sandbox accepts any
        )
        key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        valid_to = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        imported = in_sandbox(f"byok material import --key {key} --valid-to {valid_to}")
        assert imported.returncode == 0, imported.stderr

        moved = in_sandbox("byok sandbox clock --advance 40d")
        assert moved.returncode == 0 and moved.stdout.startswith("sandbox time: ")
        assert datetime.fromisoformat(moved.stdout.split(": ", 1)[1].strip()) > datetime.now(UTC) + timedelta(days=39)
        assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingImport"  # the material expired
        renewed = in_sandbox(f"byok material renew --key {key}")
        assert renewed.returncode == 0, renewed.stderr
        assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
        assert in_sandbox("byok sandbox clock --reset").returncode == 0
    finally:
        stopped = byok("sandbox", "down", "--state-dir", str(state))
    assert stopped.stdout.strip() == "sandbox stopped"
    assert byok("sandbox", "down", "--state-dir", str(state)).stdout.startswith("no sandbox running")
