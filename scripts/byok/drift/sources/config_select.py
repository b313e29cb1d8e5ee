"""Advanced queries, paged: one account and region (SelectResourceConfig) or an aggregator's whole view.

Config answers at most 100 results a page, so every query follows ``NextToken`` to the end; rows are parsed
and yielded page by page, never gathered. ``calls`` counts the requests, for the report and the benchmark.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from byok.errors import ConfigError

PAGE = 100


def config_call(call: Callable[..., dict[str, Any]], **arguments: Any) -> dict[str, Any]:
    """One Config API call; a refusal becomes a one-line configuration error (exit 3) instead of a traceback."""
    try:
        return call(**arguments)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", "")
        if code == "NoSuchConfigurationAggregatorException":
            remedy = "check --aggregator: byok asks for it in the caller's account and the first region"
        else:
            remedy = "grant the scanning role config:Select*/Describe* read access, or run with --source api"
        raise ConfigError(f"AWS Config refused {exc.operation_name}: {code}: {message}", remedy) from None
    except BotoCoreError as exc:
        remedy = "check the endpoint and the network, or run with --source api"
        raise ConfigError(f"AWS Config unreachable: {exc}", remedy) from None


class ConfigSelect:
    def __init__(self, client: Any, aggregator: str | None = None) -> None:
        self.client = client
        self.aggregator = aggregator
        self.calls = 0
        self._lock = threading.Lock()  # several queries may page through one select at once

    def rows(self, expression: str) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            arguments: dict[str, Any] = {"Expression": expression, "Limit": PAGE}
            if token:
                arguments["NextToken"] = token
            if self.aggregator:
                call = self.client.select_aggregate_resource_config
                arguments["ConfigurationAggregatorName"] = self.aggregator
            else:
                call = self.client.select_resource_config
            page = config_call(call, **arguments)
            with self._lock:
                self.calls += 1
            for row in page.get("Results", []):
                yield json.loads(row)
            token = page.get("NextToken")
            if not token:
                return


def expression(properties: Iterable[str], resource_types: Iterable[str]) -> str:
    """``SELECT`` the row's place and ``properties`` of the given types (no NULL tests: filtering is ours)."""
    fields = ", ".join(["accountId", "awsRegion", "resourceType", "resourceId", "arn", *properties])
    types = sorted(resource_types)
    where = f"resourceType = '{types[0]}'" if len(types) == 1 else f"resourceType IN ({_quoted(types)})"
    return f"SELECT {fields} WHERE {where}"


def _quoted(values: Iterable[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)
