"""One botocore client class per session and service, built once and reused.

``session.client(...)`` builds a new client *class* every time: a Python method, with its docstring object, for
every operation of the service (EC2 has over 800: about 60 ms of CPU per client). A scan over an organisation
makes one client per account, Region and service, hundreds of them, so most of its set-up went into building
the same class again and again. The class depends only on the service model and on the session's event
handlers (which may add base classes, as boto3 does for S3's transfer methods), so the one built first for a
session and service is the one every later client of that session and service gets. Credentials, Region,
endpoint and per-client event handlers live on the client instance, never on its class.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from botocore.client import ClientCreator

_MARKER = "_byok_reuses_client_classes"
_lock = threading.Lock()
# session event emitter -> (service name, API version) -> client class
_classes: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], type]] = weakref.WeakKeyDictionary()


def install() -> None:
    """Patch botocore's client creator once per process."""
    if getattr(ClientCreator, _MARKER, False):
        return
    build = ClientCreator._create_client_class

    def reused(self: ClientCreator, service_name: str, service_model: Any) -> type:
        key = (service_name, service_model.api_version)
        with _lock:
            found = _classes.get(self._event_emitter, {}).get(key)
        if found is None:
            found = build(self, service_name, service_model)
            with _lock:
                found = _classes.setdefault(self._event_emitter, {}).setdefault(key, found)
        return found

    ClientCreator._create_client_class = reused  # type: ignore[method-assign]
    setattr(ClientCreator, _MARKER, True)
