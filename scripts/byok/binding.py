"""One material, one key: an HSM object belongs to the KMS key whose ID its label carries.

byok names material ``byok/<key-id>/m<N>`` (``material import``) or
``byok/<env>/<key>/g<N>/<key-id>`` (``rotate apply``), so the label is the binding. Importing an
object into any other key would make two KMS keys share one material: revoking or deleting one
would no longer be independent of the other, and the audit trail could not tell them apart. The
one legitimate sharing, a multi-Region replica of the same key, needs no exception: replicas keep
the primary's key ID (``mrk-...``).

The journal is the second witness: a check value already journaled as imported into another key
is refused as well, so relabelling an object on a token that allows it does not bypass the rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from byok.errors import MaterialConflict
from byok.model import HsmMaterial, KmsKey

# KMS writes multi-Region IDs as mrk- and 32 hex digits; moto (the local endpoint) as mrk- and a UUID: accept both.
_KEY_ID = re.compile(r"^(mrk-[0-9a-f]{32}|(mrk-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
_ARN_KEY_ID = re.compile(r":key/(?P<key_id>[^/]+)$")


def key_ids_in(label: str) -> list[str]:
    return [part for part in label.split("/") if _KEY_ID.match(part)]


def require_label_bound(label: str, key: KmsKey) -> None:
    """Refuse a label that names no key ID, or another key's ID."""
    named = key_ids_in(label)
    if named == [key.key_id]:
        return
    if not named:
        raise MaterialConflict(
            f"HSM label {label!r} names no KMS key ID, so it cannot be bound to {key.key_id}",
            "omit --label: byok picks byok/<key-id>/m<N>, which binds the material to this key",
        )
    other = next((key_id for key_id in named if key_id != key.key_id), named[0])
    raise MaterialConflict(
        f"HSM object {label!r} belongs to key {other}, not {key.key_id}: one material backs one key",
        "omit --label (byok picks byok/<key-id>/m<N>), or import into the key that the label names",
    )


def require_unclaimed(material: HsmMaterial, key: KmsKey, claims: Mapping[str, str]) -> None:
    """Refuse material whose check value the journal shows imported into another key."""
    if not material.check_value or material.check_value not in claims:
        return
    owner = claims[material.check_value]
    owner_match = _ARN_KEY_ID.search(owner)
    if (owner_match.group("key_id") if owner_match else owner) != key.key_id:
        raise MaterialConflict(
            f"HSM object {material.label!r} (check value {material.check_value}) already backs {owner}",
            "one material backs one key: import new material into this key instead (omit --label)",
        )


def journaled_claims(journal: Path) -> dict[str, str]:
    """check value -> the key it was imported into, from the journal's material-imported records."""
    if not journal.exists():
        return {}
    claims: dict[str, str] = {}
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn last line: `byok audit verify` reports it
        if record.get("event") == "material-imported" and record.get("check_value") and record.get("key"):
            claims.setdefault(record["check_value"], record["key"])
    return claims
