"""The retired-key list the Checkov policy CKV_BYOK_5 reads: every way code could still name a retired key.

Checkov sees only text, so the list spells each retired key every way Terraform code could: key ID, key
ARN, generation alias name and alias ARN. Keys pending deletion are on it too: they are on their way out.
"""

from __future__ import annotations

from byok.drift.evidence import Evidence
from byok.model import KeyState


def retired_references(evidence: Evidence) -> list[str]:
    names = set(evidence.intent.retired_aliases())
    retired_slots = set()
    for slot, key in evidence.keys.items():
        generation = evidence.generation_of(key.reference)
        if key.state == KeyState.PENDING_DELETION or (generation is not None and generation.state == "retired"):
            retired_slots.add(slot)
            names.update({key.reference.name, key.reference.arn or key.reference.name})
    for alias in evidence.aliases:
        if (alias.account, alias.region, alias.target_key_id.lower()) in retired_slots:
            names.update({alias.name, f"arn:aws:kms:{alias.region}:{alias.account}:{alias.name}"})
    return sorted(names)
