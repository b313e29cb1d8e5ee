"""ListKeys and ListAliases in pages, as KMS answers them: moto returns every key and alias in one response.

KMS pages both (API reference: ``Limit`` 1-1000 for ListKeys and 1-100 for ListAliases, default 100;
``Truncated`` and ``NextMarker``). With 100,000 keys in one account and region (KMS's default resource quota),
one unpaged answer would be tens of megabytes in the server and the client at once, and a scan that claims to
stream could not be tested. Markers are opaque to clients; here they name the listing taken at the first page
and the next offset, so that each page costs what it returns (moto builds its listing from every key each time).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from moto.kms import responses as kms_responses

from byok.sandbox.faults import fault

_MARKER = "_byok_kms_paging_installed"
DEFAULT_LIMIT = 100
_KEPT = 16


class _Listings:
    """The full listing is taken once, at the first page, and later pages are cut from it: O(page) per call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()

    def page(self, request: Any, build: Callable[[], list[dict[str, Any]]], key: str, maximum: int) -> str:
        limit = request._get_param("Limit") or DEFAULT_LIMIT
        if not isinstance(limit, int) or not 1 <= limit <= maximum:
            raise fault("ValidationException", f"Limit must be between 1 and {maximum}")
        listing_id, offset, entries = self._resume(request._get_param("Marker"), build)
        body: dict[str, Any] = {key: entries[offset : offset + limit], "Truncated": offset + limit < len(entries)}
        if body["Truncated"]:
            body["NextMarker"] = f"{listing_id}:{offset + limit}"
        return json.dumps(body)

    def _resume(self, marker: str | None, build: Callable[[], list[dict[str, Any]]]) -> tuple[str, int, list]:
        if not marker:
            listing_id, entries = uuid.uuid4().hex, build()
            with self._lock:
                self._kept[listing_id] = entries
                while len(self._kept) > _KEPT:
                    self._kept.popitem(last=False)
            return listing_id, 0, entries
        listing_id, _, offset = marker.partition(":")
        with self._lock:
            entries = self._kept.get(listing_id)
        if entries is None or not offset.isdigit():
            raise fault("InvalidMarkerException", "The marker is not valid.")
        return listing_id, int(offset), entries


LISTINGS = _Listings()


def list_keys(self: Any) -> str:
    def build() -> list[dict[str, Any]]:
        return [{"KeyArn": key.arn, "KeyId": key.id} for key in list(self.kms_backend.keys.values())]

    return LISTINGS.page(self, build, "Keys", 1000)


def paged_aliases(list_aliases: Any) -> Any:
    """moto's own answer (it adds the AWS-managed aliases and filters by KeyId), cut into pages."""

    def method(self: Any) -> str:
        return LISTINGS.page(self, lambda: json.loads(list_aliases(self))["Aliases"], "Aliases", 100)

    return method


def install() -> None:
    response = kms_responses.KmsResponse
    if getattr(response, _MARKER, False):
        return
    response.list_keys = list_keys
    response.list_aliases = paged_aliases(response.list_aliases)
    setattr(response, _MARKER, True)
