"""Canaries kept on disk per key and generation, so a resumed run verifies against the same ones.

A canary made *before* a rotation must survive a crash: a new one made after the rotation
would prove nothing about old ciphertexts.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from byok.canary import Canary
from byok.files import write_atomically


class CanaryStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, environment: str, key: str, generation: int) -> Path:
        return self.root / "canaries" / environment / key / f"g{generation}.json"

    def load(self, environment: str, key: str, generation: int) -> list[Canary]:
        path = self.path(environment, key, generation)
        if not path.exists():
            return []
        return [
            Canary(**{**entry, "context": tuple(tuple(pair) for pair in entry["context"])})
            for entry in json.loads(path.read_text(encoding="utf-8"))
        ]

    def save(self, environment: str, key: str, generation: int, canaries: list[Canary]) -> None:
        path = self.path(environment, key, generation)
        write_atomically(path, json.dumps([asdict(c) for c in canaries], indent=2) + "\n")
