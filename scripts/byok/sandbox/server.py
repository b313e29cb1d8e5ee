"""The local AWS endpoint: moto's threaded server with the KMS import extension and the clock route.

``LocalEndpoint`` is for tests in the same process (they can also read ``check_value``, move the clock and
switch request quotas and latency directly); ``serve`` is what ``byok sandbox serve`` runs for everything
else (Terraform, the CLI, demos).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import TracebackType

from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from byok.sandbox import clock, outages
from byok.sandbox.admin import ClockRoute
from byok.sandbox.kms_import import install
from byok.sandbox.outages import OutageRoute
from byok.sandbox.throttle import OFF, Limits, LimitsRoute
from byok.sandbox.wrapping_keys import POOL


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
        POOL.prewarm()  # so the first GetParametersForImport for RSA_4096 does not take a second
        self._server = ThreadedMotoServer(ip_address=self._host, port=self._requested_port, verbose=False)
        self._server.start()
        wsgi = self._server._server
        assert wsgi is not None  # start() returns only once the socket is bound
        self._limits_route = LimitsRoute(OutageRoute(ClockRoute(wsgi.app)), self._default_limits)
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
        if self._limits_route is not None:
            self._limits_route.configure(self._default_limits)


def serve(port: int = 0, host: str = "127.0.0.1", limits: Limits = OFF) -> None:
    """Serve until SIGINT or SIGTERM; the first stdout line is the endpoint URL, so callers can read it."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with LocalEndpoint(port, host, limits) as endpoint:
        print(endpoint.url, flush=True)
        stop.wait()
