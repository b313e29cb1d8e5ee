"""HTTP/1.1 keep-alive for the local endpoint: a connection stays open, on its own thread, while the client keeps it.

werkzeug's development server closes every connection after one answer (``Connection: close``, then a 10 ms
drain of the socket), so every AWS call against the sandbox paid a TCP connect, an accept on the server's single
accepting thread, and a new thread. Under load that accepting thread waits for the GIL behind the threads that
answer: measured on the drift benchmark (16 workers, 25 ms of modelled network latency), 5.3 ms passed between a
client sending and the server accepting, and 1.1 ms more before the application ran, on calls whose own work took
3 ms. AWS keeps connections open and botocore pools them, so the cost was the sandbox's alone and it slowed most
the client that made its calls fastest.

Each connection is served by one thread for its whole life, blocked on its own socket between requests: no
request passes through a shared dispatcher. The request body is read in full before the application runs (a
sized body, or a chunked one to its last chunk), so the next request on the connection starts where it should
whatever the application read; the answer is collected and sent with its length. An application error answers
500 and closes the connection. The server tracks its connections, so stopping the endpoint also closes the idle
ones clients hold in their pools: a stopped sandbox answers nothing.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.exceptions import InternalServerError
from werkzeug.serving import ThreadedWSGIServer

IDLE_SECONDS = 60  # an idle connection is let go after this, as AWS's endpoints do
BODILESS = {204, 304}
Answer = tuple[str, list[tuple[str, str]], bytes]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = logging.getLogger(__name__)


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler (its header handling, werkzeug's environ) answering without closing the connection."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    # Headers and body leave in two writes; with Nagle on, the body waits for the client's delayed ACK of the
    # headers (40 ms on Linux) on every answer of a kept connection. A closing server never showed it.
    disable_nagle_algorithm = True

    def handle_one_request(self) -> None:
        """Wait for the next request; a connection left idle past ``timeout`` is closed quietly, as AWS closes it."""
        try:
            arrived = self.rfile.peek(1)
        except TimeoutError:
            arrived = b""
        if not arrived:
            self.close_connection = True
            return
        super().handle_one_request()

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        try:
            body = self._whole_body(environ)
        except (OSError, ValueError) as exc:  # a malformed length or chunk: the stream cannot be trusted any more
            self.close_connection = True
            self.send_error(400, f"unreadable request body: {exc}")
            return
        environ["wsgi.input"] = io.BytesIO(body)
        status, headers, payload = self._answer(environ)
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        names = set()
        for name, value in headers:
            self.send_header(name, value)
            names.add(name.lower())
        if "content-length" not in names and self.command != "HEAD" and int(code) >= 200 and int(code) not in BODILESS:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:  # the client asked for it, or the application failed: say so
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)

    def _whole_body(self, environ: dict[str, Any]) -> bytes:
        """The request's body, read to its end: werkzeug left ``wsgi.input`` on the socket (dechunked if chunked)."""
        stream = environ["wsgi.input"]
        if environ.get("wsgi.input_terminated"):
            return bytes(stream.read())
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length < 0:
            raise ValueError(f"negative Content-Length {length}")
        body = stream.read(length) if length else b""
        if len(body) != length:
            raise ConnectionError(f"the client sent {len(body)} of {length} bytes")
        return bytes(body)

    def _answer(self, environ: dict[str, Any]) -> Answer:
        app: WsgiApp = self.server.app
        try:
            return _collect(app, environ)
        except Exception:
            log.exception("the local endpoint failed on %s %s", self.command, self.path)
            self.close_connection = True
            return _collect(InternalServerError(), environ)


def _collect(app: WsgiApp, environ: dict[str, Any]) -> Answer:
    """Run a WSGI application to its end and keep what it answered."""
    started: list[tuple[str, list[tuple[str, str]]]] = []
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        started.append((status, headers))  # nothing is sent before the end, so a second call simply replaces
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started[-1]
    return status, headers, b"".join(chunks)


class KeepAliveServer(ThreadedWSGIServer):
    """werkzeug's threaded server, whose connections are known so that closing the server closes them too."""

    def __init__(self, host: str, port: int, app: WsgiApp, handler: type[KeepAliveHandler]) -> None:
        super().__init__(host, port, app, handler=handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)

    def server_close(self) -> None:
        super().server_close()
        with self._open_lock:
            open_now = list(self._open)
        for connection in open_now:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client closed it first
