"""Pin the KMS endpoint that import tokens and wrapped material really travel to.

boto3 picks its endpoint from many places: byok's own setting, ``AWS_ENDPOINT_URL_KMS``,
``AWS_ENDPOINT_URL``, a profile's ``endpoint_url``, FIPS settings. Checking only byok's setting
let any of the others redirect import traffic unseen, so the check reads what the client will
actually use (``client.meta.endpoint_url``) and accepts:

- https to an AWS KMS host of the client's region (commercial, China, GovCloud, FIPS, dual-stack);
- the endpoint byok was configured with (``--endpoint-url`` / ``BYOK_AWS_ENDPOINT``), or one named in
  ``BYOK_ALLOW_ENDPOINT`` (comma-separated URLs or host[:port]), over https;
- plain http only to loopback (the local sandbox), and only when configured or allowed as above.

Wrapped material is only as safe as the channel that carries the import token with it.
"""

from __future__ import annotations

import ipaddress
import os
import re
from urllib.parse import urlsplit

from byok.errors import InsecureEndpoint

ALLOW_VARIABLE = "BYOK_ALLOW_ENDPOINT"
_AWS_KMS_HOST = re.compile(
    r"^kms(-fips)?\.(?P<region>[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d)\.(amazonaws\.com|amazonaws\.com\.cn|api\.aws)$"
)


def require_pinned_endpoint(url: str, region: str, configured: str | None, env: dict[str, str] | None = None) -> None:
    """Refuse the endpoint boto3 resolved unless it is AWS KMS for ``region`` or explicitly allowed."""
    env = dict(os.environ) if env is None else env
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    aws = _AWS_KMS_HOST.match(host)
    if parts.scheme == "https" and aws and aws.group("region") == region:
        return
    allowed = _allowed(configured, env.get(ALLOW_VARIABLE, ""))
    named = _netloc(parts) in allowed or host in allowed
    if parts.scheme == "https" and named:
        return
    if parts.scheme == "http" and named and _is_loopback(host):
        return
    if parts.scheme == "http" and not _is_loopback(host):
        raise InsecureEndpoint(
            f"refusing KMS endpoint {url}: import parameters and wrapped material travel only over TLS",
            "use https (plain http is allowed only on loopback, for the local sandbox)",
        )
    raise InsecureEndpoint(
        f"refusing KMS endpoint {url}: not an AWS KMS endpoint for {region} and not one byok was configured with "
        "(set by AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL or a profile's endpoint_url?)",
        f"unset that setting, or name the endpoint in {ALLOW_VARIABLE} if it is yours (e.g. a VPC endpoint)",
    )


def require_secure_endpoint(url: str | None) -> None:
    """For read-only scans (drift): any endpoint the user names, but plain http only on loopback."""
    if url is None:
        return  # boto3's own regional endpoints are https
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname or "")):
        return
    raise InsecureEndpoint(
        f"refusing endpoint {url}: byok talks to AWS only over TLS",
        "use an https:// endpoint (plain http is allowed only on loopback, for the local sandbox)",
    )


def _allowed(configured: str | None, listed: str) -> set[str]:
    entries = [entry.strip() for entry in listed.split(",") if entry.strip()]
    if configured:
        entries.append(configured)
    allowed = set()
    for entry in entries:
        parts = urlsplit(entry if "//" in entry else f"//{entry}")
        allowed.add(_netloc(parts) if parts.port else (parts.hostname or "").lower())
    return allowed


def _netloc(parts) -> str:
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
