"""What the drift checker reports: typed findings with stable rule IDs that CI and people can act on.

Rule IDs never change meaning once published, so suppressions and dashboards keyed on them stay valid;
a new check gets a new ID. The table below is the catalogue (also in ``scripts/byok/drift/README.md``).

=========  ========  ==========================================================================
Rule       Severity  Finding
=========  ========  ==========================================================================
BYOK-D001  high      A resource uses a retired key generation
BYOK-D002  medium    A resource uses a generation that is not active (retiring or pending)
BYOK-D003  high      A key is past its maximum age
BYOK-D004  medium    A key material expires within the horizon (high within 7 days)
BYOK-D005  critical  A key material has expired or was deleted: the key is unusable
BYOK-D006  high      An alias points at the wrong generation
BYOK-D007  critical  A key pending deletion is still referenced
BYOK-D008  critical  A key pending import is still referenced
BYOK-D009  high      A key ID or key ARN is hardcoded in Terraform code
BYOK-D010  high      The plan replaces a data store because its KMS key changed
BYOK-D011  info      Imported key: automatic-rotation checks (KMS.4) do not measure its rotation
BYOK-D012  medium    A resource references a key that does not exist
BYOK-D013  high      Part of the estate could not be scanned
BYOK-D014  high      A multi-Region replica's materials differ from its primary's
BYOK-D015  high      A multi-Region replica lacks its primary's material (PendingImport)
BYOK-D016  high      A key declared multi-Region lacks a replica in a declared region
=========  ========  ==========================================================================
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, threshold: Severity) -> bool:
        return self.rank >= threshold.rank


_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


@dataclass(frozen=True)
class Rule:
    rule_id: str
    severity: Severity
    title: str
    rationale: str


RULES: dict[str, Rule] = {
    rule.rule_id: rule
    for rule in (
        Rule(
            "BYOK-D001",
            Severity.HIGH,
            "Resource uses a retired key generation",
            "A retired generation's material is deleted from KMS: the resource can neither write nor read.",
        ),
        Rule(
            "BYOK-D002",
            Severity.MEDIUM,
            "Resource uses a non-active key generation",
            "The cut-over to the active generation is unfinished; the old generation cannot be retired.",
        ),
        Rule(
            "BYOK-D003",
            Severity.HIGH,
            "Key past its maximum age",
            "The rotation policy (max_age_days) is what the regulator audits.",
        ),
        Rule(
            "BYOK-D004",
            Severity.MEDIUM,
            "Key material expires within the horizon",
            "When any material of an imported key expires, the key goes to PendingImport and every user breaks.",
        ),
        Rule(
            "BYOK-D005",
            Severity.CRITICAL,
            "Key material expired or deleted",
            "A missing material makes the key PendingImport: encrypt and decrypt fail for every user of the key.",
        ),
        Rule(
            "BYOK-D006",
            Severity.HIGH,
            "Alias points at the wrong generation",
            "Everything that encrypts through the alias uses a generation the tfvars do not declare active.",
        ),
        Rule(
            "BYOK-D007",
            Severity.CRITICAL,
            "Key pending deletion is still referenced",
            "When the deletion window ends, data encrypted under the key is lost for good.",
        ),
        Rule(
            "BYOK-D008",
            Severity.CRITICAL,
            "Key pending import is still referenced",
            "A key pending import cannot encrypt or decrypt: the resource is down until the material is re-imported.",
        ),
        Rule(
            "BYOK-D009",
            Severity.HIGH,
            "Key ID or ARN hardcoded in code",
            "A literal key survives rotations: it keeps pointing at the old generation after the alias moves.",
        ),
        Rule(
            "BYOK-D010",
            Severity.HIGH,
            "Plan replaces a data store because its KMS key changed",
            "RDS, EBS and DynamoDB cannot switch keys in place: Terraform destroys the store and creates an empty one.",
        ),
        Rule(
            "BYOK-D011",
            Severity.INFO,
            "Imported key: automatic-rotation checks do not apply",
            "KMS.4 / cmk-backing-key-rotation-enabled look at automatic rotation, which AWS does not support for "
            "imported keys; byok's own age and expiry rules (D003-D005) measure their rotation instead.",
        ),
        Rule(
            "BYOK-D012",
            Severity.MEDIUM,
            "Resource references a key that does not exist",
            "The key was deleted or never existed in that account and region: the resource cannot use it.",
        ),
        Rule(
            "BYOK-D013",
            Severity.HIGH,
            "Part of the estate could not be scanned",
            "A service the scan could not read may hide any of the other findings.",
        ),
        Rule(
            "BYOK-D014",
            Severity.HIGH,
            "Multi-Region replica's materials differ from its primary's",
            "A ciphertext made in one Region of a multi-Region key must decrypt in every other: a replica that "
            "lists other materials, or encrypts with another one, breaks that promise.",
        ),
        Rule(
            "BYOK-D015",
            Severity.HIGH,
            "Multi-Region replica lacks its primary's material",
            "KMS never copies imported bytes between Regions: until a replica imports a material of its primary, "
            "it is PendingImport or cannot decrypt what that material encrypted, and a new material of the primary "
            "waits in PENDING_MULTI_REGION_IMPORT_AND_ROTATION.",
        ),
        Rule(
            "BYOK-D016",
            Severity.HIGH,
            "Key declared multi-Region lacks a declared replica",
            "The tfvars declare the key in a Region where it does not exist: a failover to that Region finds no key.",
        ),
    )
}


@dataclass(frozen=True)
class Resource:
    """What a finding is about: a live ARN, a Terraform address, or a place in a file."""

    type: str
    id: str
    account: str | None = None
    region: str | None = None
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    resource: Resource
    detail: str
    remediation: str
    key: str | None = None
    generation: int | None = None
    source: str = "live"
    material_id: str | None = None  # for material findings: a key has one finding per material

    @property
    def rule(self) -> Rule:
        return RULES[self.rule_id]

    @property
    def title(self) -> str:
        return self.rule.title

    @property
    def fingerprint(self) -> str:
        """Stable across runs for the same problem, so Security Hub updates a finding instead of adding one."""
        parts = (
            self.rule_id,
            self.resource.type,
            self.resource.id,
            self.key or "",
            str(self.generation or ""),
            self.material_id or "",
        )
        if self.resource.file:  # code: the same address can sit in several modules, a literal on several lines
            parts += (self.resource.file, str(self.resource.line or ""))
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def finding(rule_id: str, resource: Resource, detail: str, remediation: str, **extra: object) -> Finding:
    """A finding at its rule's default severity unless ``severity=`` says otherwise."""
    severity = extra.pop("severity", None) or RULES[rule_id].severity
    return Finding(rule_id, severity, resource, detail, remediation, **extra)  # type: ignore[arg-type]
