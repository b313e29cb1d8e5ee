"""The local AWS endpoint: moto behind a keep-alive threaded server, with the KMS import extension and the clock route.

``LocalEndpoint`` is for tests in the same process (they can also read ``check_value``, move the clock and
switch request quotas and latency directly); ``serve`` is what ``byok sandbox serve`` runs for everything
else (Terraform, the CLI, demos).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable
from types import TracebackType

from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from byok.errors import ConfigError
from byok.sandbox import clock, config_api, kms_paging, outages, request_cost, snapshot_owners
from byok.sandbox.admin import ClockRoute
from byok.sandbox.config_view import VIEW as CONFIG_VIEW
from byok.sandbox.keep_alive import KeepAliveHandler, KeepAliveServer
from byok.sandbox.kms_import import install
from byok.sandbox.outages import OutageRoute
from byok.sandbox.throttle import OFF, Limits, LimitsRoute
from byok.sandbox.wrapping_keys import POOL


class BindFailed(ConfigError):
    """The endpoint could not listen where it was asked to (port in use, address not on this machine)."""


class _DatedHandler(KeepAliveHandler):
    """Every answer's Date header is the sandbox clock's, as AWS's is AWS's: a client that compares KMS's
    timestamps with KMS's clock (``byok retire``) sees a clock moved by ``byok sandbox clock`` too."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        return super().date_time_string(clock.now().timestamp() if timestamp is None else timestamp)


class _Server(ThreadedMotoServer):
    """moto's threaded server, except that a failed bind is reported instead of leaving ``start()`` waiting forever.

    werkzeug answers a busy port with a printed message and ``sys.exit`` inside the server thread, so the
    address is tried first with a plain socket (the same SO_REUSEADDR werkzeug sets), and the thread's
    ``SystemExit`` is caught too for the race in between.
    """

    bind_error: str | None = None

    def start(self) -> None:
        try:
            _try_bind(self._ip_address, self._port)
        except OSError as exc:
            self.bind_error = exc.strerror or str(exc)
            return
        super().start()

    def _server_entry(self) -> None:
        """moto's own entry, serving keep-alive connections with a handler whose Date header is the sandbox's."""
        try:
            app = DomainDispatcherApplication(create_backend_app)
            self._server = KeepAliveServer(self._ip_address, self._port, app, _DatedHandler)
            self._server_ready_event.set()
            self._server.serve_forever()
        except (OSError, SystemExit) as exc:
            self.bind_error = getattr(exc, "strerror", None) or "the address could not be bound"
            self._server_ready_event.set()


def _try_bind(host: str, port: int) -> None:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


class LocalEndpoint:
    """``with LocalEndpoint() as aws:`` serves moto on ``aws.url`` until the block ends.

    ``limits`` (request quotas, latency; off by default) hold for the endpoint's life unless a test switches
    them with :meth:`set_limits`; :meth:`reset` switches them back.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", limits: Limits = OFF) -> None:
        self._host = host
        self._requested_port = port
        self._default_limits = limits
        self._server: ThreadedMotoServer | None = None
        self._limits_route: LimitsRoute | None = None
        self.port = port
        self.url = ""

    def __enter__(self) -> LocalEndpoint:
        # werkzeug logs every request at INFO to stderr; a demo or CI log drowns in it.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        install()
        config_api.install()
        kms_paging.install()
        snapshot_owners.install()
        request_cost.install()
        POOL.prewarm()  # so the first GetParametersForImport for RSA_4096 does not take a second
        server = _Server(ip_address=self._host, port=self._requested_port, verbose=False)
        server.start()
        if server.bind_error is not None:
            raise BindFailed(
                f"the sandbox cannot listen on {self._host}:{self._requested_port}: {server.bind_error}",
                "pick a free port (--port 0 picks one) and an address of this machine (--host 127.0.0.1)",
            )
        self._server = server
        wsgi = self._server._server
        assert wsgi is not None  # start() returns only once the socket is bound
        self._limits_route = LimitsRoute(
            OutageRoute(config_api.ConfigRoute(ClockRoute(wsgi.app))), self._default_limits
        )
        wsgi.app = self._limits_route
        self.port = self._server.get_host_and_port()[1]
        self.url = f"http://{self._host}:{self.port}"
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def limits_route(self) -> LimitsRoute:
        """The quota and latency layer, for its ``throttled`` counts; only while the endpoint serves."""
        if self._limits_route is None:
            raise RuntimeError("the endpoint is not serving")
        return self._limits_route

    def set_limits(self, limits: Limits) -> None:
        """Switch quotas and latency for what follows (a test, a benchmark run); buckets start full."""
        self.limits_route.configure(limits)

    def reset(self) -> None:
        """Forget every resource of every service, put the sandbox clock back to real time, restore the limits."""
        moto_api_backend.reset()
        clock.reset()
        outages.clear()
        CONFIG_VIEW.reset()
        if self._limits_route is not None:
            self._limits_route.configure(self._default_limits)


def serve(
    port: int = 0, host: str = "127.0.0.1", limits: Limits = OFF, listening: Callable[[], None] = lambda: None
) -> None:
    """Serve until SIGINT or SIGTERM; the first stdout line is the endpoint URL, so callers can read it.

    ``listening`` runs once the address is bound (the CLI warns there about a non-loopback address)."""
    with LocalEndpoint(port, host, limits) as endpoint:
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        print(endpoint.url, flush=True)
        listening()
        stop.wait()
