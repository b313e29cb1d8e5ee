"""Key references normalised across the four ways AWS lets you name a KMS key, and found in strings of code.

A key reference is a KMS key ARN, a KMS alias (name or ARN), or a bare key ID *in an attribute that takes a
key*; nothing else. A UUID in a tag, the last part of another service's ARN (``arn:aws:acm:...:certificate/
<uuid>``) or a UUID glued to an interpolation (``"${var.p}<uuid>"``) is not a key. Interpolations are
replaced by :data:`PLACEHOLDER` runs of the same length before a string is judged, so that a key ARN whose
region or account is interpolated (``arn:aws:kms:${var.region}:${var.account}:key/<id>``) still hard-codes
its key ID, and positions in the string still map to lines of the file.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

PLACEHOLDER = "\x00"  # stands for each character of an interpolation ``${...}`` / directive ``%{...}``

_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_ALIAS = r"alias/[A-Za-z0-9/_-]{1,250}"
_PARTITION = r"(?P<partition>aws|aws-cn|aws-us-gov|aws-eusc|aws-iso(?:-[a-z])?)"
_ARN_HEAD = rf"arn:{_PARTITION}:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{{12}}):"
KEY_ID = re.compile(rf"^(?P<name>{_KEY_ID})$", re.IGNORECASE)
ALIAS_NAME = re.compile(rf"^(?P<name>{_ALIAS})$")
KEY_ARN = re.compile(rf"^{_ARN_HEAD}key/(?P<name>{_KEY_ID})$", re.IGNORECASE)
ALIAS_ARN = re.compile(rf"^{_ARN_HEAD}(?P<name>{_ALIAS})$")
GENERATION_ALIAS = re.compile(r"^alias/(?P<key>[a-z0-9][a-z0-9-]*?)-g(?P<generation>\d+)$")
# A KMS ARN inside a longer string; partition, region and account may be interpolated (placeholders),
# left to format()/formatlist() verbs (``arn:aws:kms:%s:${local.account}:key/mrk-...``) or, in IAM and key
# policies, wildcards (``arn:aws:kms:*:111122223333:key/mrk-...`` names one multi-Region key in every Region).
_FILLED = rf"(?:{PLACEHOLDER}+|%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z])"  # filled in when Terraform runs
_HOLE = rf"(?:{_FILLED}|\*)"
EMBEDDED_ARN = re.compile(
    rf"(?<![\w-])arn:(?P<partition>aws(?:-cn|-us-gov|-eusc|-iso(?:-[a-z])?)?|{_HOLE}):kms:"
    rf"(?P<region>[a-z]{{2}}(?:-[a-z]+)+-\d|{_HOLE}):(?P<account>\d{{12}}|{_HOLE}):"
    rf"(?:key/(?P<key>{_KEY_ID})(?![0-9a-z-])|(?P<alias>{_ALIAS}))",
    re.IGNORECASE,
)
# Cheap pre-filter: a string without any of these cannot hold a key reference.
CANDIDATE = re.compile(r"arn:|alias/|[0-9a-f]{8}-[0-9a-f]{4}-|mrk-", re.IGNORECASE)


class ReferenceKind(enum.StrEnum):
    KEY_ID = "key-id"
    KEY_ARN = "key-arn"
    ALIAS_NAME = "alias-name"
    ALIAS_ARN = "alias-arn"


@dataclass(frozen=True)
class KeyReference:
    """One way of naming a key, with the account and region it is read in (None when the text omits them)."""

    kind: ReferenceKind
    name: str  # a key ID (lower case, ``mrk-`` for multi-Region keys) or an alias name ``alias/...``
    account: str | None = None
    region: str | None = None
    partition: str = "aws"

    @classmethod
    def parse(cls, text: str, account: str | None = None, region: str | None = None) -> KeyReference | None:
        """Parse ``text``; bare IDs and alias names take ``account``/``region`` from where they were found."""
        text = text.strip()
        for pattern, kind in ((KEY_ARN, ReferenceKind.KEY_ARN), (ALIAS_ARN, ReferenceKind.ALIAS_ARN)):
            match = pattern.match(text)
            if match:
                name = match["name"].lower() if kind is ReferenceKind.KEY_ARN else match["name"]
                return cls(kind, name, match["account"], match["region"], match["partition"])
        if KEY_ID.match(text):
            return cls(ReferenceKind.KEY_ID, text.lower(), account, region)
        if ALIAS_NAME.match(text):
            return cls(ReferenceKind.ALIAS_NAME, text, account, region)
        return None

    @property
    def is_alias(self) -> bool:
        return self.kind in (ReferenceKind.ALIAS_NAME, ReferenceKind.ALIAS_ARN)

    @property
    def pins_key(self) -> bool:
        """A key ID or key ARN names one key for good: the alias moves on rotation, this does not."""
        return not self.is_alias

    @property
    def is_multi_region(self) -> bool:
        return self.name.startswith("mrk-")

    @property
    def is_aws_managed_alias(self) -> bool:
        return self.is_alias and self.name.startswith("alias/aws/")

    @property
    def generation_alias(self) -> tuple[str, int] | None:
        """``alias/<name>-g<N>`` names generation N of byok key <name> without asking KMS."""
        match = GENERATION_ALIAS.match(self.name) if self.is_alias else None
        return (match["key"], int(match["generation"])) if match else None

    @property
    def arn(self) -> str | None:
        if self.account is None or self.region is None:
            return None
        kind = "" if self.is_alias else "key/"
        return f"arn:{self.partition}:kms:{self.region}:{self.account}:{kind}{self.name}"

    def __str__(self) -> str:
        return self.arn or self.name


@dataclass(frozen=True)
class Found:
    """A key reference written in a string, and where in the string it starts."""

    reference: KeyReference
    offset: int
    text: str


def literal_references(value: str, takes_key: bool) -> list[Found]:
    """Key references written literally in ``value`` (interpolations already replaced by placeholders).

    A whole value that is a key ID or alias name counts only where the attribute takes a key; KMS ARNs count
    wherever they are written, whole or inside longer text (JSON policies, heredocs, descriptions).
    """
    if not CANDIDATE.search(value):
        return []
    stripped = value.strip()
    if PLACEHOLDER not in stripped:
        whole = KeyReference.parse(stripped)
        if whole is not None and (takes_key or whole.kind in (ReferenceKind.KEY_ARN, ReferenceKind.ALIAS_ARN)):
            return [Found(whole, value.find(stripped), stripped)]
    return [_embedded(match) for match in EMBEDDED_ARN.finditer(value)]


def _embedded(match: re.Match[str]) -> Found:
    def known(group: str) -> str | None:
        text = match[group]
        return None if re.fullmatch(_HOLE, text) else text

    if match["key"]:
        kind, name = ReferenceKind.KEY_ARN, match["key"].lower()
    else:
        kind, name = ReferenceKind.ALIAS_ARN, match["alias"]
    partition = known("partition") or "aws"
    reference = KeyReference(kind, name, known("account"), known("region"), partition.lower())
    return Found(reference, match.start(), re.sub(_FILLED, "${…}", match[0]))
