"""``byok inventory``: every KMS key with aliases, origin, state, materials, age, tags and next due date."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import click

from byok.cli.options import aws_options, emit, output_option
from byok.inventory import InventoryEntry, entries
from byok.kms.client import KmsClient
from byok.output import Column, Listing, identifier, optional

# At 80 columns the key ID, state, expiry and due date stay; region, age and generation go first, then the rest.
COLUMNS: list[Column | str] = [
    optional("region", drop=2),
    optional("aliases"),
    identifier("key_id", "key id"),
    optional("origin"),
    "state",
    optional("materials"),
    optional("rotations_left", "rotations left"),
    optional("multi_region", "multi-Region"),
    Column("earliest_expiry", "expires"),
    optional("age_days", "age (days)", drop=2),
    optional("generation", "gen", drop=2),
    Column("next_due", "next due"),
]


@click.command()
@click.option("--regions", help="Comma-separated regions (default: --region / AWS_REGION).")
@click.option("--all-keys", is_flag=True, help="Include keys KMS generated (Origin=AWS_KMS), not only imported ones.")
@aws_options
@output_option
def inventory(regions, all_keys, aws, output_format) -> None:
    """List the KMS keys of the account: the seed of a rotation plan."""
    names = [r.strip() for r in regions.split(",")] if regions else [aws.region]
    clients = {name: KmsClient(replace(aws, region=name)) for name in names}
    lock = threading.Lock()

    def client_in(region: str) -> KmsClient:  # replicas may be in regions not listed
        with lock:
            if region not in clients:
                clients[region] = KmsClient(replace(aws, region=region))
            return clients[region]

    found = entries([clients[name] for name in names], progress=ProgressLine(), replica_client=client_in)
    rows = [_row(e) for e in found if all_keys or e.key.origin == "EXTERNAL"]  # entries are dropped as they come
    rows.sort(key=lambda row: (row["region"], row["aliases"][:1] or ["~"], row["key_id"]))
    emit(Listing("inventory", "KMS inventory", COLUMNS, rows, [f"{len(rows)} key(s)"]), output_format)


def _row(e: InventoryEntry) -> dict:
    return {
        "region": e.region,
        "aliases": list(e.aliases),
        "key_id": e.key.key_id,
        "origin": e.key.origin,
        "state": e.key.state,
        "materials": len(e.materials) if e.key.origin == "EXTERNAL" else None,
        "rotations_left": e.rotations_left,
        "multi_region": e.multi_region,
        "earliest_expiry": e.earliest_expiry,
        "age_days": e.age_days,
        "generation": e.tags.get("byok:generation"),
        "next_due": e.tags.get("byok:next-due"),
    }


class ProgressLine:
    """Keys described so far, on stderr every few seconds: 100,000 keys take minutes and should show it."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.last = time.monotonic()

    def __call__(self, region: str, done: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            click.echo(f"inventory: {done:,} key(s) described in {region}", err=True)
