"""``byok sandbox``: the local AWS endpoint with real KMS key import, for demos and tests."""

from __future__ import annotations

import click


@click.group()
def sandbox() -> None:
    """Run the local AWS endpoint (moto + byok's KMS import extension)."""


@sandbox.command()
@click.option("--port", type=int, default=0, show_default=True, help="TCP port (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; keep it on loopback.")
def serve(port: int, host: str) -> None:
    """Serve in the foreground; the first line of output is the endpoint URL."""
    from byok.sandbox.server import serve as run_server

    run_server(port=port, host=host)
