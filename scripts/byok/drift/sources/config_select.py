"""Advanced queries, paged: one account and region (SelectResourceConfig) or an aggregator's whole view.

Config answers at most 100 results a page, so every query follows ``NextToken`` to the end; rows are parsed
and yielded page by page, never gathered. ``calls`` counts the requests, for the report and the benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

PAGE = 100


class ConfigSelect:
    def __init__(self, client: Any, aggregator: str | None = None) -> None:
        self.client = client
        self.aggregator = aggregator
        self.calls = 0

    def rows(self, expression: str) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            arguments: dict[str, Any] = {"Expression": expression, "Limit": PAGE}
            if token:
                arguments["NextToken"] = token
            if self.aggregator:
                page = self.client.select_aggregate_resource_config(
                    ConfigurationAggregatorName=self.aggregator, **arguments
                )
            else:
                page = self.client.select_resource_config(**arguments)
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
