"""The endpoint itself: the foreground server, its clock route, and reset."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import HTTPError

import boto3
import pytest

from byok.sandbox.server import LocalEndpoint
from support.sandbox import error_code, import_material, wrap


def _clock(url: str, change: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if change is None else json.dumps(change).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{url}/_byok/clock", data=data), timeout=10) as reply:  # noqa: S310
        return json.load(reply)


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from byok.sandbox.server import serve; serve(0)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    yield process, process.stdout.readline().strip()
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_prints_its_url_first_moves_its_clock_and_stops_on_sigterm(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = served
    assert url.startswith("http://127.0.0.1:")
    kms = boto3.client(
        "kms", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_1", WrappingKeySpec="RSA_2048"
    )
    before = _clock(url)["now"]

    after = _clock(url, {"advance_seconds": 86401})["now"]

    assert after > before
    blob = wrap(params["PublicKey"], "RSAES_OAEP_SHA_1", os.urandom(32))
    code = error_code(
        lambda: kms.import_key_material(
            KeyId=key_id,
            ImportToken=params["ImportToken"],
            EncryptedKeyMaterial=blob,
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
    )
    assert code == "ExpiredImportTokenException"
    assert _clock(url, {"set": "2027-01-01T00:00:00+00:00"})["now"] == "2027-01-01T00:00:00+00:00"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


@pytest.mark.parametrize("body", [b"not json", b'{"advance_seconds": "soon"}', b"{}", b'{"set": "2027-01-01"}'])
def test_clock_route_rejects_bad_requests(sandbox: LocalEndpoint, body: bytes) -> None:
    with pytest.raises(HTTPError) as caught:
        urllib.request.urlopen(urllib.request.Request(f"{sandbox.url}/_byok/clock", data=body), timeout=10)  # noqa: S310

    assert caught.value.code == 400


def test_reset_forgets_keys_and_restores_time(sandbox: LocalEndpoint, sandbox_kms: Any) -> None:
    key_id = sandbox_kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    import_material(sandbox_kms, key_id, os.urandom(32))
    _clock(sandbox.url, {"advance_seconds": 3600})

    sandbox.reset()

    assert sandbox_kms.list_keys()["Keys"] == []
    drift = datetime.fromisoformat(_clock(sandbox.url)["now"]) - datetime.now(UTC)
    assert abs(drift) < timedelta(seconds=5)
