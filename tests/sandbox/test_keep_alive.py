"""The endpoint keeps HTTP/1.1 connections open as AWS does, without ever misreading the next request.

Real sockets throughout: ``http.client`` speaks to the endpoint (or to the keep-alive server around a tiny
application where moto cannot be made to fail on purpose), so what is checked is what goes over the wire.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from byok.sandbox.keep_alive import KeepAliveHandler, KeepAliveServer
from byok.sandbox.server import LocalEndpoint

KMS_HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Target": "TrentService.ListKeys",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=testing/20261202/eu-west-1/kms/aws4_request, SignedHeaders=host, Signature=0"
    ),
}


def connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def list_keys(connection: http.client.HTTPConnection, **extra: str) -> dict[str, Any]:
    connection.request("POST", "/", body=b"{}", headers={**KMS_HEADERS, **extra})
    response = connection.getresponse()
    assert response.status == 200, response.read()
    return json.loads(response.read())


def test_one_connection_carries_many_calls(sandbox: LocalEndpoint) -> None:
    connection = connect(sandbox.url)
    answers = [list_keys(connection) for _ in range(3)]
    first_socket = connection.sock
    assert first_socket is not None  # http.client drops the socket when the answer says Connection: close
    list_keys(connection)
    assert connection.sock is first_socket
    assert all("Keys" in answer for answer in answers)
    connection.close()


def test_a_chunked_body_is_read_to_its_end(sandbox: LocalEndpoint) -> None:
    connection = connect(sandbox.url)
    connection.request("POST", "/", body=iter([b"{", b"}"]), headers=KMS_HEADERS, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 200
    assert "Keys" in json.loads(response.read())
    assert "Keys" in list_keys(connection)
    connection.close()


def test_expect_continue_is_answered_before_the_body(sandbox: LocalEndpoint) -> None:
    connection = connect(sandbox.url)
    assert "Keys" in list_keys(connection, Expect="100-continue")
    connection.close()


def test_a_client_that_asks_to_close_is_closed(sandbox: LocalEndpoint) -> None:
    connection = connect(sandbox.url)
    connection.request("POST", "/", body=b"{}", headers={**KMS_HEADERS, "Connection": "close"})
    response = connection.getresponse()
    response.read()
    assert response.getheader("Connection") == "close" or connection.sock is None


def test_stopping_the_endpoint_closes_idle_kept_connections() -> None:
    endpoint = LocalEndpoint()
    with endpoint:
        connection = connect(endpoint.url)
        list_keys(connection)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        list_keys(connection)
    connection.close()


class ShortIdle(KeepAliveHandler):
    timeout = 0.3  # seconds; the endpoint's own is a minute


@pytest.fixture
def failing_server() -> Iterator[str]:
    """The keep-alive server around an application that fails on /fail and reads no body on /ignore.

    moto offers no way to fail on purpose, and every moto route reads the whole body.
    """

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/fail":
            raise RuntimeError("the application broke")
        if environ["PATH_INFO"] == "/ignore":
            start_response("204 No Content", [])
            return []
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])  # no length: the server adds it
        return [b"read ", str(len(body)).encode()]

    server = KeepAliveServer("127.0.0.1", 0, app, ShortIdle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(10)


def test_an_answer_without_length_is_sent_with_one(failing_server: str) -> None:
    connection = connect(failing_server)
    connection.request("POST", "/", body=b"12345")
    response = connection.getresponse()
    assert response.getheader("Content-Length") == "6"
    assert response.read() == b"read 5"
    assert connection.sock is not None
    connection.close()


def test_a_body_the_application_ignores_does_not_become_the_next_request(failing_server: str) -> None:
    connection = connect(failing_server)
    connection.request("POST", "/ignore", body=b"GET /fail HTTP/1.1\r\n\r\n" + b"x" * 100_000)
    response = connection.getresponse()
    assert response.status == 204
    assert response.read() == b""
    connection.request("POST", "/", body=b"abc")
    assert connection.getresponse().read() == b"read 3"
    connection.close()


def test_an_application_error_answers_500_and_closes(failing_server: str, caplog: pytest.LogCaptureFixture) -> None:
    connection = connect(failing_server)
    connection.request("GET", "/fail")
    response = connection.getresponse()
    response.read()
    assert response.status == 500
    assert connection.sock is None  # the answer said Connection: close
    assert "the application broke" in caplog.text
    connection.close()


def test_a_malformed_length_answers_400_and_closes(failing_server: str) -> None:
    connection = connect(failing_server)
    connection.putrequest("POST", "/")
    connection.putheader("Content-Length", "-5")
    connection.endheaders()
    response = connection.getresponse()
    response.read()
    assert response.status == 400
    assert connection.sock is None
    connection.close()


def test_an_idle_connection_is_closed_quietly(failing_server: str, caplog: pytest.LogCaptureFixture) -> None:
    connection = connect(failing_server)
    connection.request("POST", "/", body=b"a")
    assert connection.getresponse().read() == b"read 1"
    time.sleep(ShortIdle.timeout * 3)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        connection.request("POST", "/", body=b"b")
        connection.getresponse()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    connection.close()
