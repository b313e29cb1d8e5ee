"""``byok sandbox``: the local AWS endpoint with real KMS key import, for demos and tests."""

from __future__ import annotations

import click


@click.group()
def sandbox() -> None:
    """Run the local AWS endpoint (moto + byok's KMS import extension)."""


@sandbox.command()
@click.option("--port", type=int, default=0, show_default=True, help="TCP port (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; keep it on loopback.")
@click.option("--quotas/--no-quotas", default=False, show_default=True, help="Throttle KMS at AWS's documented rates.")
@click.option("--latency-ms", type=click.FloatRange(min=0), default=None, help="Delay every request (a network).")
@click.option(
    "--latency-sd-ms", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Normal spread of it."
)
def serve(port: int, host: str, quotas: bool, latency_ms: float | None, latency_sd_ms: float) -> None:
    """Serve in the foreground; the first line of output is the endpoint URL."""
    from byok.sandbox.server import serve as run_server
    from byok.sandbox.throttle import Latency, Limits

    latency = None if latency_ms is None else Latency(latency_ms / 1000, latency_sd_ms / 1000)
    run_server(port=port, host=host, limits=Limits(quotas=quotas, latency=latency))
