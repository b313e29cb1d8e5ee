"""Where the sandbox may listen: an address of this machine, announced loudly unless it is loopback.

The sandbox accepts any credentials and lets anyone move its clock: on a non-loopback address every
machine that can reach it can use it. That may be wanted (a shared demo box), so it is allowed, but never
silently.
"""

from __future__ import annotations

import ipaddress
import socket

import click

from byok.errors import UsageError


def bind_address(host: str) -> str:
    """The address to bind, after refusing one that is not an address or a resolvable name."""
    _resolve(host)
    return host


def _resolve(host: str) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        resolved = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UsageError(
            f"--host {host!r} is not an address or a name this machine can resolve", "use 127.0.0.1"
        ) from None
    return {ipaddress.ip_address(entry[4][0].split("%")[0]) for entry in resolved}


def warn_unless_loopback(host: str) -> None:
    """Once the sandbox listens: say loudly that a non-loopback address exposes it."""
    if not all(address.is_loopback for address in _resolve(host)):
        click.echo(
            f"WARNING: the sandbox listens on {host}, not on loopback: anyone who reaches this machine can use "
            "it with any credentials and move its clock. Use --host 127.0.0.1 unless you mean it.",
            err=True,
        )
