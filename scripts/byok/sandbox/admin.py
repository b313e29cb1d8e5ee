"""The sandbox server's own route for moving its clock, for tests that drive byok from outside the process.

``GET /_byok/clock`` answers ``{"now": iso}``; ``POST /_byok/clock`` takes ``{"advance_seconds": N}``,
``{"set": iso}`` or ``{"reset": true}`` and answers the same. It only changes time, never key state, so it
exposes nothing that a test could not already see through the KMS API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Request, Response

from byok.sandbox import clock

CLOCK_PATH = "/_byok/clock"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _apply(change: Any) -> None:
    if not isinstance(change, dict):
        raise ValueError("expected a JSON object")
    if "advance_seconds" in change:
        clock.advance(float(change["advance_seconds"]))
    elif "set" in change:
        clock.set_time(datetime.fromisoformat(str(change["set"])))
    elif change.get("reset") is True:
        clock.reset()
    else:
        raise ValueError('expected "advance_seconds", "set" or "reset"')


class ClockRoute:
    """WSGI middleware in front of moto's dispatcher: one path is ours, everything else is moto's."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != CLOCK_PATH:
            return self._app(environ, start_response)
        request = Request(environ)
        status, body = 200, {}
        if request.method == "POST":
            try:
                _apply(request.get_json(force=True))
            except (ValueError, TypeError, BadRequest) as exc:
                status, body = 400, {"error": str(exc)}
        elif request.method != "GET":
            status, body = 405, {"error": "use GET or POST"}
        body.setdefault("now", clock.now().isoformat())
        return Response(json.dumps(body), status=status, mimetype="application/json")(environ, start_response)
