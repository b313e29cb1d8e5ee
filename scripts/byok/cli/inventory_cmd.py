"""``byok inventory``: every KMS key with aliases, origin, state, materials, age, tags and next due date."""

from __future__ import annotations

from dataclasses import replace

import click

from byok.cli.options import aws_options, emit, output_option
from byok.inventory import collect
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
    clients = [KmsClient(replace(aws, region=name)) for name in names]
    entries = collect(clients)
    rows = [
        {
            "region": e.region,
            "aliases": list(e.aliases),
            "key_id": e.key.key_id,
            "origin": e.key.origin,
            "state": e.key.state,
            "materials": len(e.materials) if e.key.origin == "EXTERNAL" else None,
            "earliest_expiry": e.earliest_expiry,
            "age_days": e.age_days,
            "generation": e.tags.get("byok:generation"),
            "next_due": e.tags.get("byok:next-due"),
        }
        for e in entries
        if all_keys or e.key.origin == "EXTERNAL"
    ]
    emit(Listing("inventory", "KMS inventory", COLUMNS, rows, [f"{len(rows)} key(s)"]), output_format)
