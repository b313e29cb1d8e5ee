"""Import parameters kept between the two halves of a key-ceremony import (user, then security officer).

In key-ceremony mode ``material import`` stops after GetParametersForImport; the SO approves exactly that
wrapping public key, and the re-run must wrap under it, so the parameters cannot be fetched again (each call
returns a new key). They are kept in ``<state_dir>/pending-imports/<key-id>.json`` (mode 0600) until the
import finished or they expired (24 h). The file holds the public key and the import token: neither is key
material (the token only authorises importing material wrapped under that public key, which needs the HSM).
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from byok.errors import ConfigError
from byok.model import ImportParameters, WrappingAlgorithm, WrappingKeySpec

DIRECTORY = "pending-imports"
_KEY_ARN = re.compile(r"^arn:[^:]+:kms:(?P<region>[a-z0-9-]+):\d+:key/(?P<key_id>[A-Za-z0-9-]+)$")
_KEY_ID = re.compile(r"^[A-Za-z0-9-]+$")


@dataclass(frozen=True)
class PendingImport:
    params: ImportParameters
    label: str


class PendingImports:
    def __init__(self, state_dir: Path) -> None:
        self.directory = state_dir / DIRECTORY

    def save(self, params: ImportParameters, label: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path_of_arn(params.key_arn)
        document = {
            "key_arn": params.key_arn,
            "label": label,
            "algorithm": params.algorithm.value,
            "wrapping_key_spec": params.wrapping_key_spec.value,
            "valid_to": params.valid_to.isoformat(),
            "public_key": base64.b64encode(params.public_key_der).decode(),
            "import_token": base64.b64encode(params.import_token).decode(),
        }
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
        return path

    def load(self, key_ref: str, now: datetime | None = None) -> PendingImport | None:
        """The pending parameters for this key ARN (or key ID, if one region waits), or None (absent, or expired and
        then removed)."""
        path = self._find(key_ref)
        if path is None:
            return None
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            params = ImportParameters(
                key_arn=document["key_arn"],
                public_key_der=base64.b64decode(document["public_key"]),
                import_token=base64.b64decode(document["import_token"]),
                valid_to=datetime.fromisoformat(document["valid_to"]),
                algorithm=WrappingAlgorithm(document["algorithm"]),
                wrapping_key_spec=WrappingKeySpec(document["wrapping_key_spec"]),
            )
        except (ValueError, KeyError, TypeError):
            raise ConfigError(f"{path} is not a pending import byok wrote", "remove it and re-run the import") from None
        if params.valid_to <= (now or datetime.now(UTC)):
            path.unlink()
            return None
        return PendingImport(params, document["label"])

    def forget(self, key_arn: str) -> None:
        self._path_of_arn(key_arn).unlink(missing_ok=True)

    def _path_of_arn(self, key_arn: str) -> Path:
        match = _KEY_ARN.match(key_arn)
        if match is None:
            raise ConfigError(f"{key_arn!r} is not a KMS key ARN", "pass the key ARN the import printed")
        return self.directory / f"{match['key_id']}@{match['region']}.json"

    def _find(self, key_ref: str) -> Path | None:
        """A key ARN names one file; a bare key ID is enough while only one region of that key waits."""
        if key_ref.startswith("arn:"):
            path = self._path_of_arn(key_ref)
            return path if path.exists() else None
        if not _KEY_ID.match(key_ref):
            return None
        found = sorted(self.directory.glob(f"{key_ref}@*.json"))
        if len(found) > 1:
            regions = ", ".join(path.stem.split("@", 1)[1] for path in found)
            raise ConfigError(
                f"imports of {key_ref} wait for approval in several regions ({regions})",
                "pass --key the key ARN that the import printed: it names the region",
            )
        return found[0] if found else None
