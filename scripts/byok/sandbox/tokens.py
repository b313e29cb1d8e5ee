"""Import tokens: opaque, single-use, valid 24 h, bound to one key, one algorithm and one wrapping key.

The binding is the security property of the KMS import protocol: material wrapped for one key cannot be
imported into another, and a captured token cannot be replayed. The token itself is random; the binding
lives server-side, as with any opaque handle.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import rsa

from byok.model import WrappingAlgorithm
from byok.sandbox.faults import fault

TOKEN_LIFETIME = timedelta(hours=24)
_TOKEN_BYTES = 64


@dataclass(frozen=True)
class IssuedToken:
    key_arn: str
    algorithm: WrappingAlgorithm
    private_key: rsa.RSAPrivateKey
    valid_to: datetime


class ImportTokenStore:
    """One per moto backend (account and Region), so moto's reset forgets the tokens with the keys."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issued: dict[bytes, IssuedToken] = {}
        self._spent: set[bytes] = set()

    def issue(
        self, key_arn: str, algorithm: WrappingAlgorithm, private_key: rsa.RSAPrivateKey, now: datetime
    ) -> tuple[bytes, IssuedToken]:
        token = secrets.token_bytes(_TOKEN_BYTES)
        issued = IssuedToken(key_arn, algorithm, private_key, now + TOKEN_LIFETIME)
        with self._lock:
            self._issued[token] = issued
        return token, issued

    def redeem(self, token: bytes, key_arn: str, now: datetime) -> IssuedToken:
        """Spend the token; a token shown to the wrong key is refused but stays valid for its own key."""
        with self._lock:
            issued = self._issued.get(token)
            if issued is None or issued.key_arn != key_arn:
                raise fault("InvalidImportTokenException", "the import token is not valid for this KMS key")
            if token in self._spent:
                raise fault("InvalidImportTokenException", "the import token has already been used")
            if now > issued.valid_to:
                raise fault("ExpiredImportTokenException", "the import token has expired")
            self._spent.add(token)
            return issued
