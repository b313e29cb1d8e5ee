"""``byok sandbox``: the local AWS endpoint with real KMS key import, for demos and tests."""

from __future__ import annotations

import click


def _bind_address(host: str) -> str:
    from byok.sandbox.address import bind_address  # byok.sandbox pulls moto: only `serve` needs it

    return bind_address(host)


@click.group()
def sandbox() -> None:
    """The embedded default: a local AWS endpoint (moto + byok's KMS import extension) and a SoftHSM2 token.

    `byok sandbox up` starts both in the background, `eval "$(byok sandbox env)"` points this shell at them,
    `byok sandbox clock --advance 400d` moves the endpoint's clock (material expiry,
    retirement grace), `byok sandbox down`
    stops it."""


@sandbox.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="TCP port (0 picks a free one)."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    callback=lambda ctx, param, value: _bind_address(value),
    help="Address to bind; keep it on loopback (anything else is announced with a warning).",
)
@click.option("--quotas/--no-quotas", default=False, show_default=True, help="Throttle KMS at AWS's documented rates.")
@click.option("--latency-ms", type=click.FloatRange(min=0), default=None, help="Delay every request (a network).")
@click.option(
    "--latency-sd-ms", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Normal spread of it."
)
def serve(port: int, host: str, quotas: bool, latency_ms: float | None, latency_sd_ms: float) -> None:
    """Serve in the foreground until SIGINT or SIGTERM; the first line of output is the endpoint URL."""
    from byok.sandbox.address import warn_unless_loopback
    from byok.sandbox.server import serve as run_server
    from byok.sandbox.throttle import Latency, Limits

    latency = None if latency_ms is None else Latency(latency_ms / 1000, latency_sd_ms / 1000)
    run_server(
        port=port,
        host=host,
        limits=Limits(quotas=quotas, latency=latency),
        listening=lambda: warn_unless_loopback(host),
    )
    click.echo("sandbox stopped", err=True)
