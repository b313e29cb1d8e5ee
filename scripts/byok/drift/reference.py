"""Key references followed to keys per account and region (the spellings themselves live in ``byok.keyscan``).

A service configured with ``alias/prod-rds`` stores and returns the resolved key ARN, and Terraform code
may name the same key by bare ID, by ARN, by alias name or by alias ARN. Comparing the strings would call
one key four keys; comparing :class:`KeyReference` values after :class:`KeyResolver` has followed the
aliases of the right account and region calls them one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from byok.keyscan.reference import KeyReference, ReferenceKind

__all__ = ["KeyReference", "KeyResolver", "ReferenceKind", "ResolvedKey"]


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
