"""Refuse to send import tokens and wrapped material over plain HTTP, except to this machine.

Wrapped material is only as safe as the channel that carries the import token with it; the
local sandbox endpoint on loopback is the one place where plain HTTP is acceptable.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from byok.errors import InsecureEndpoint


def require_secure_endpoint(url: str | None) -> None:
    if url is None:
        return  # boto3's own regional endpoints are HTTPS
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and _is_loopback(parts.hostname or ""):
        return
    raise InsecureEndpoint(
        f"refusing endpoint {url}: import parameters and wrapped material travel only over TLS",
        "use an https:// endpoint (plain http is allowed only on loopback for the local sandbox)",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
