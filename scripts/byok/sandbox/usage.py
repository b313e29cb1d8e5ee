"""GetKeyLastUsage (2026) for the sandbox: the last successful cryptographic use of each key.

``byok retire`` refuses to retire a key that was used recently; the sandbox records uses with its
injectable clock so tests can place a use inside or outside the grace period.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from byok.sandbox import clock

_ATTRIBUTE = "_byok_last_usage"


def record(key: Any, operation: str) -> None:
    setattr(key, _ATTRIBUTE, {"Operation": operation, "Timestamp": clock.now(), "KmsRequestId": str(uuid.uuid4())})


def forget(key: Any) -> None:
    """A new replica key has not been used, whatever the primary it was copied from has."""
    key.__dict__.pop(_ATTRIBUTE, None)


def get_key_last_usage(self: Any) -> str:
    """Response handler; alias names are refused by the real API, so only key IDs and ARNs resolve."""
    key_id = self._get_param("KeyId")
    self._validate_cmk_id(key_id)
    key = self.kms_backend.describe_key(key_id)
    created = datetime.fromtimestamp(key.creation_date, UTC)
    usage = getattr(key, _ATTRIBUTE, None)
    body: dict[str, Any] = {
        "KeyId": key.id,
        "KeyLastUsage": {**usage, "Timestamp": usage["Timestamp"].timestamp()} if usage else {},
        "TrackingStartDate": created.timestamp(),
        "KeyCreationDate": created.timestamp(),
    }
    return json.dumps(body)
