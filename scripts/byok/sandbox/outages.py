"""Scripted service trouble for the sandbox: the next N calls of one KMS action fail as AWS fails.

Tests (and `POST /_byok/outages` from outside the process) queue e.g. three ``ThrottlingException``
answers for ``ImportKeyMaterial`` to prove that byok's retries absorb a burst, and that a longer outage
ends in a clear error with nothing lost. A throttled request never reaches moto, as with real KMS.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

OUTAGES_PATH = "/_byok/outages"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Outage:
    code: str
    status: int
    remaining: int


_lock = threading.Lock()
_queued: dict[str, Outage] = {}
served: dict[str, int] = {}  # how many failures each action answered, for assertions


def inject(action: str, code: str = "ThrottlingException", status: int = 400, count: int = 1) -> None:
    with _lock:
        _queued[action] = Outage(code, status, count)


def clear() -> None:
    with _lock:
        _queued.clear()
        served.clear()


def _take(action: str) -> Outage | None:
    with _lock:
        outage = _queued.get(action)
        if outage is None or outage.remaining <= 0:
            return None
        outage.remaining -= 1
        served[action] = served.get(action, 0) + 1
        return outage


class OutageRoute:
    """WSGI middleware: answers queued failures before moto sees the request; ``/_byok/outages`` queues them."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == OUTAGES_PATH and environ.get("REQUEST_METHOD") == "POST":
            body = Request(environ).get_json(force=True, silent=True) or {}
            try:
                inject(
                    str(body["action"]),
                    str(body.get("code", "ThrottlingException")),
                    int(body.get("status", 400)),
                    int(body.get("count", 1)),
                )
            except (KeyError, ValueError, TypeError) as exc:
                return Response(json.dumps({"error": str(exc)}), 400, mimetype="application/json")(
                    environ, start_response
                )
            return Response("{}", 200, mimetype="application/json")(environ, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        outage = _take(target.rsplit(".", 1)[-1]) if target.startswith("TrentService.") else None
        if outage is None:
            return self._app(environ, start_response)
        error = {"__type": outage.code, "message": f"sandbox outage: {outage.code}"}
        return Response(json.dumps(error), outage.status, mimetype="application/x-amz-json-1.1")(
            environ, start_response
        )
