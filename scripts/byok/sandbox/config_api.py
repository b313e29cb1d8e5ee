"""SelectResourceConfig, SelectAggregateResourceConfig and the aggregator's source status, served from moto.

Installed over moto's Config responses the way ``kms_import`` extends KMS: moto answers these with canned
results only. Limits as the API reference states them: ``Expression`` 1-4,096 characters (ValidationException),
``Limit`` / ``MaxResults`` 0-100 with 0 meaning the maximum (InvalidLimitException), an unknown ``NextToken``
is InvalidNextTokenException, a bad query InvalidExpressionException, an unknown aggregator
NoSuchConfigurationAggregatorException. A query is evaluated once, when its first page is asked for; later
pages are cut from that result, so a paging client sees one consistent answer.

``POST /_byok/config`` with ``{"delay_seconds": N}`` sets Config's modelled delay (``GET`` reads it), so a test
or a benchmark driving the server from outside can make Config's view lag the services.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from moto.config import responses as config_responses
from werkzeug.wrappers import Request, Response

from byok.sandbox import clock
from byok.sandbox.config_query import MAX_EXPRESSION, Query, QueryError, parse
from byok.sandbox.config_view import VIEW, aggregator_sources, recorder_of
from byok.sandbox.faults import fault

PAGE = 100
_KEPT_QUERIES = 64
CONFIG_PATH = "/_byok/config"
_MARKER = "_byok_config_installed"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Results:
    """Evaluated queries by page token; the oldest are forgotten so an abandoned paging holds nothing for long."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, tuple[list[str], int]] = OrderedDict()

    def page(self, rows: list[str], offset: int, size: int) -> tuple[list[str], str | None]:
        end = offset + size
        if end >= len(rows):
            return rows[offset:], None
        token = uuid.uuid4().hex
        with self._lock:
            self._pages[token] = (rows, end)
            while len(self._pages) > _KEPT_QUERIES:
                self._pages.popitem(last=False)
        return rows[offset:end], token

    def resume(self, token: str) -> tuple[list[str], int]:
        with self._lock:
            found = self._pages.pop(token, None)
        if found is None:
            raise fault("InvalidNextTokenException", "The specified next token is invalid.")
        return found


RESULTS = _Results()


def _page_size(*values: Any) -> int:
    for value in values:
        if value is None:
            continue
        if not isinstance(value, int) or not 0 <= value <= PAGE:
            raise fault("InvalidLimitException", f"Limit must be between 0 and {PAGE}, got {value}.")
        if value:
            return value
    return PAGE


def _parsed(expression: Any) -> Query:
    if not isinstance(expression, str) or not 1 <= len(expression) <= MAX_EXPRESSION:
        raise fault("ValidationException", f"Expression must be 1 to {MAX_EXPRESSION} characters long.")
    try:
        return parse(expression)
    except QueryError as exc:
        raise fault("InvalidExpressionException", str(exc)) from None


def _answer(params: dict[str, Any], scopes: Callable[[], list[tuple[str, str]]], size: int) -> str:
    query = _parsed(params.get("Expression"))
    token = params.get("NextToken")
    if token:
        rows, offset = RESULTS.resume(token)
    else:
        rows, offset = _evaluate(query, scopes()), 0
    page, next_token = RESULTS.page(rows, offset, size)
    body: dict[str, Any] = {"Results": page, "QueryInfo": {"SelectFields": [{"Name": f} for f in query.fields]}}
    if next_token:
        body["NextToken"] = next_token
    return json.dumps(body)


def _evaluate(query: Query, scopes: list[tuple[str, str]]) -> list[str]:
    rows = []
    for account, region in scopes:
        for candidate in VIEW.items(account, region, query.resource_types):
            if query.matches(candidate):
                rows.append(json.dumps(query.project(candidate), separators=(",", ":")))
    return rows


def select_resource_config(self: Any) -> str:
    params = json.loads(self.body or "{}")
    size = _page_size(params.get("Limit"))
    return _answer(params, lambda: [(self.current_account, self.region)], size)


def select_aggregate_resource_config(self: Any) -> str:
    params = json.loads(self.body or "{}")
    size = _page_size(params.get("Limit"), params.get("MaxResults"))
    name = params.get("ConfigurationAggregatorName", "")
    sources = aggregator_sources(self.current_account, self.region, name)  # fails first on a wrong name
    return _answer(params, lambda: sources, size)


def describe_configuration_aggregator_sources_status(self: Any) -> str:
    """Per account and region: SUCCEEDED with the last capture time, or FAILED where no recorder exists.

    Real aggregators pull continuously; the sandbox aggregates when asked, under the same delay rule as queries.
    """
    params = json.loads(self.body or "{}")
    name = params.get("ConfigurationAggregatorName", "")
    statuses = []
    for account, region in aggregator_sources(self.current_account, self.region, name):
        status: dict[str, Any] = {"SourceId": account, "SourceType": "ACCOUNT", "AwsRegion": region}
        if recorder_of(account, region) is None:
            status.update(
                LastUpdateStatus="FAILED",
                LastErrorCode="NoAvailableConfigurationRecorderException",
                LastErrorMessage="There is no configuration recorder in this account and region.",
            )
        else:
            updated = VIEW.refresh(account, region)
            status["LastUpdateStatus"] = "SUCCEEDED" if updated else "OUTDATED"
            if updated:
                status["LastUpdateTime"] = updated.timestamp()
        statuses.append(status)
    wanted = params.get("UpdateStatus")
    if wanted:
        statuses = [s for s in statuses if s["LastUpdateStatus"] in wanted]
    return json.dumps({"AggregatedSourceStatusList": statuses})


class ConfigRoute:
    """WSGI middleware: ``/_byok/config`` reads or sets the modelled Config delay; everything else passes."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != CONFIG_PATH:
            return self._app(environ, start_response)
        request = Request(environ)
        status, body = 200, {}
        if request.method == "POST":
            try:
                VIEW.set_delay(float(request.get_json(force=True)["delay_seconds"]))
            except (ValueError, TypeError, KeyError) as exc:
                status, body = 400, {"error": f"expected {{'delay_seconds': N >= 0}}: {exc}"}
        body.setdefault("delay_seconds", VIEW.delay.total_seconds())
        body.setdefault("now", clock.now().isoformat())
        return Response(json.dumps(body), status=status, mimetype="application/json")(environ, start_response)


def install() -> None:
    """Patch moto's Config responses once per process."""
    response = config_responses.ConfigResponse
    if getattr(response, _MARKER, False):
        return
    response.select_resource_config = select_resource_config
    response.select_aggregate_resource_config = select_aggregate_resource_config
    response.describe_configuration_aggregator_sources_status = describe_configuration_aggregator_sources_status
    setattr(response, _MARKER, True)
