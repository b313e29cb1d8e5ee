"""Key references normalised across the four ways AWS lets you name a KMS key.

A service configured with ``alias/prod-rds`` stores and returns the resolved key ARN, and Terraform code
may name the same key by bare ID, by ARN, by alias name or by alias ARN. Comparing the strings would call
one key four keys; comparing :class:`KeyReference` values after :class:`KeyResolver` has followed the
aliases of the right account and region calls them one.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from dataclasses import dataclass

_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_ALIAS = r"alias/[A-Za-z0-9/_-]{1,250}"
_PARTITION = r"(?P<partition>aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?)"
_ARN_HEAD = rf"arn:{_PARTITION}:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{{12}}):"
KEY_ID = re.compile(rf"^(?P<name>{_KEY_ID})$", re.IGNORECASE)
ALIAS_NAME = re.compile(rf"^(?P<name>{_ALIAS})$")
KEY_ARN = re.compile(rf"^{_ARN_HEAD}key/(?P<name>{_KEY_ID})$", re.IGNORECASE)
ALIAS_ARN = re.compile(rf"^{_ARN_HEAD}(?P<name>{_ALIAS})$")
# Anything in free text that looks like a key reference: used to pre-filter files before parsing them.
CANDIDATE = re.compile(rf"{_ARN_HEAD}(?:key/{_KEY_ID}|{_ALIAS})|{_KEY_ID}|{_ALIAS}", re.IGNORECASE)
GENERATION_ALIAS = re.compile(r"^alias/(?P<key>[a-z0-9][a-z0-9-]*?)-g(?P<generation>\d+)$")


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
class ResolvedKey:
    account: str
    region: str
    key_id: str

    @property
    def slot(self) -> tuple[str, str, str]:
        return self.account, self.region, self.key_id


class KeyResolver:
    """Follows aliases to keys per account and region, from what KMS (or a Terraform state) says exists.

    A reference whose text omits account or region (code, a bare ID) resolves when exactly one known key
    matches; an ambiguous one does not, rather than guess.
    """

    def __init__(self) -> None:
        self._targets: dict[tuple[str, str, str], str] = {}  # (account, region, alias) -> key id
        self._keys: set[tuple[str, str, str]] = set()
        self._by_name: dict[str, set[tuple[str, str, str]]] = defaultdict(set)

    def add_key(self, account: str, region: str, key_id: str) -> None:
        slot = (account, region, key_id.lower())
        self._keys.add(slot)
        self._by_name[slot[2]].add(slot)

    def add_alias(self, account: str, region: str, alias: str, key_id: str) -> None:
        slot = (account, region, alias)
        self._targets[slot] = key_id.lower()
        self._by_name[alias].add(slot)

    def knows(self, account: str | None, region: str | None) -> bool:
        """Whether any key of that account and region is known, so that an unknown reference there is missing."""
        return any(a == account and r == region for a, r, _ in self._keys)

    def resolve(self, reference: KeyReference) -> ResolvedKey | None:
        candidates = {
            slot
            for slot in self._by_name.get(reference.name, ())
            if reference.account in (None, slot[0]) and reference.region in (None, slot[1])
        }
        keys = {self._follow(slot) for slot in candidates} - {None}
        return keys.pop() if len(keys) == 1 else None

    def _follow(self, slot: tuple[str, str, str]) -> ResolvedKey | None:
        account, region, name = slot
        key_id = self._targets.get(slot, name if slot in self._keys else None)
        return ResolvedKey(account, region, key_id) if key_id is not None else None
