"""KMS error responses that moto does not define, in the wire format boto3 turns into ClientError codes."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


def fault(code: str, message: str) -> JsonRESTError:
    """An HTTP 400 KMS error whose ``Error.Code`` is ``code``, as the real service returns it."""
    return JsonRESTError(code, message)
