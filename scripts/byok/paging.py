"""One botocore paginator per client and operation, reused.

``client.get_paginator(name)`` builds a new paginator *class* on every call (botocore documents each one),
which only the cycle collector frees: a scan describing 100,000 keys would pile up hundreds of thousands of
them between collections. A paginator holds no state of its own paging (each ``paginate()`` makes a fresh
iterator), so one per client and operation is shared, by threads too.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def paginator(client: Any, operation: str) -> Any:
    with _lock:
        per_client = _cache.setdefault(client, {})
        if operation not in per_client:
            per_client[operation] = client.get_paginator(operation)
        return per_client[operation]
