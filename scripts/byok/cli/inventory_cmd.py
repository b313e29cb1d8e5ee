"""``byok inventory``: every KMS key with aliases, origin, state, materials, age, tags and next due date."""

from __future__ import annotations

import threading
from dataclasses import replace

import click

from byok.cli.options import aws_options, emit, output_option
from byok.inventory import collect
from byok.kms.client import KmsClient
from byok.output import Listing


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

    entries = collect([clients[name] for name in names], replica_client=client_in)
    rows = [
        {
            "region": e.region,
            "aliases": ", ".join(e.aliases) or None,
            "key id": e.key.key_id,
            "origin": e.key.origin,
            "state": e.key.state,
            "materials": len(e.materials) if e.key.origin == "EXTERNAL" else None,
            "rotations left": e.rotations_left,
            "multi-Region": e.multi_region,
            "earliest expiry": e.earliest_expiry,
            "age (days)": e.age_days,
            "generation": e.tags.get("byok:generation"),
            "next due": e.tags.get("byok:next-due"),
        }
        for e in entries
        if all_keys or e.key.origin == "EXTERNAL"
    ]
    columns = [
        "region",
        "aliases",
        "key id",
        "origin",
        "state",
        "materials",
        "rotations left",
        "multi-Region",
        "earliest expiry",
        "age (days)",
        "generation",
        "next due",
    ]
    emit(Listing("KMS inventory", columns, rows, [f"{len(rows)} key(s)"]), output_format)
