"""The trusted wrapping objects on a token: who they belong to, whether they can still be used, and their removal.

An approval (``byok.hsm.trusted``) is a standing trust: while its objects exist, any user-PIN holder can wrap
CKA_WRAP_WITH_TRUSTED material under that KMS public key. It is useful only until the import token it was made
for expires (24 h), so each object carries its attribution in CKA_ID, ``byok-approval|<key ARN>|<valid_to>``,
and is destroyed as soon as it cannot serve: expired, superseded by newer parameters for the same key, or
left without attribution (an orphan). Trusted objects byok did not make (their label is not byok's) are
shown as ``unknown-origin`` and never destroyed: they are someone else's decision.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import PyKCS11
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

APPROVED_PREFIX = "byok-approved"
_ID_PREFIX = "byok-approval"
_ATTRIBUTE_UNKNOWN = frozenset(
    {PyKCS11.CKR_ATTRIBUTE_TYPE_INVALID, PyKCS11.CKR_ATTRIBUTE_VALUE_INVALID, PyKCS11.CKR_TEMPLATE_INCONSISTENT}
)


class ApprovalState(StrEnum):
    USABLE = "usable"
    EXPIRED = "expired"
    ORPHAN = "orphan"  # byok's label, but no readable attribution: nothing says when it stops being useful
    UNKNOWN_ORIGIN = "unknown-origin"  # not made by byok: listed, never destroyed


def attribution(key_arn: str, valid_to: datetime) -> bytes:
    """CKA_ID of an approved object: the key it was approved for and when its import token expires."""
    return f"{_ID_PREFIX}|{key_arn}|{valid_to.isoformat(timespec='seconds')}".encode()


@dataclass(frozen=True)
class TrustedObject:
    """One CKA_TRUSTED token object, as read from the token."""

    label: str
    kind: str  # "public" (the KMS wrapping key), "aes" (the trusted ephemeral key) or the object class
    fingerprint: str  # SHA-256 of the wrapping public key (24 hex digits for the AES part, from its label)
    key_arn: str | None
    valid_to: datetime | None

    @property
    def made_by_byok(self) -> bool:
        return self.label.startswith(f"{APPROVED_PREFIX}/")

    def state(self, now: datetime) -> ApprovalState:
        if not self.made_by_byok:
            return ApprovalState.UNKNOWN_ORIGIN
        if self.key_arn is None or self.valid_to is None:
            return ApprovalState.ORPHAN
        return ApprovalState.EXPIRED if self.valid_to <= now else ApprovalState.USABLE

    def prunable(self, now: datetime) -> bool:
        """Expired and orphan approvals can serve no import; unknown-origin objects are not byok's to remove."""
        return self.state(now) in (ApprovalState.EXPIRED, ApprovalState.ORPHAN)

    def approves(self, public_fingerprint: str) -> bool:
        return bool(self.fingerprint) and public_fingerprint.startswith(self.fingerprint)


Select = Callable[[TrustedObject], bool]


def trusted_objects(session: PyKCS11.Session) -> list[tuple[int, TrustedObject]]:
    """Every token object with CKA_TRUSTED=true, with its handle; none on a token without the attribute."""
    try:
        handles = session.findObjects([(PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_TRUSTED, True)])
    except PyKCS11.PyKCS11Error as exc:
        if exc.value not in _ATTRIBUTE_UNKNOWN:
            raise
        return []  # the token does not know CKA_TRUSTED: it cannot hold an approval
    found = []
    for handle in handles:
        try:
            found.append((handle, _read(session, handle)))
        except PyKCS11.PyKCS11Error as exc:
            if exc.value != PyKCS11.CKR_OBJECT_HANDLE_INVALID:
                raise
            # another session of the run (rotate apply's pool) destroyed it meanwhile: its import finished
    return sorted(found, key=lambda pair: (pair[1].key_arn or "", pair[1].label))


def destroy_selected(session: PyKCS11.Session, select: Select) -> list[TrustedObject]:
    """Destroy the byok-made trusted objects ``select`` picks; objects of unknown origin are never touched.

    Returns what this call destroyed: an object another session destroyed first is not counted twice.
    """
    destroyed = []
    for handle, found in trusted_objects(session):
        if not (found.made_by_byok and select(found)):
            continue
        try:
            session.destroyObject(handle)
        except PyKCS11.PyKCS11Error as exc:
            if exc.value != PyKCS11.CKR_OBJECT_HANDLE_INVALID:
                raise
            continue
        destroyed.append(found)
    return destroyed


def _read(session: PyKCS11.Session, handle: int) -> TrustedObject:
    label, object_class, cka_id = session.getAttributeValue(
        handle, [PyKCS11.CKA_LABEL, PyKCS11.CKA_CLASS, PyKCS11.CKA_ID]
    )
    label = bytes(label).decode(errors="replace") if not isinstance(label, str) else label
    key_arn, valid_to = _parse_attribution(bytes(cka_id or b""))
    if object_class == PyKCS11.CKO_PUBLIC_KEY:
        kind, fingerprint = "public", _public_fingerprint(session, handle)
    else:
        parts = label.split("/")
        kind = parts[2] if len(parts) == 3 and parts[0] == APPROVED_PREFIX else _class_name(object_class)
        fingerprint = parts[1] if len(parts) == 3 and parts[0] == APPROVED_PREFIX else ""
    return TrustedObject(label.strip(), kind, fingerprint, key_arn, valid_to)


def _parse_attribution(cka_id: bytes) -> tuple[str | None, datetime | None]:
    parts = cka_id.decode(errors="replace").split("|")
    if len(parts) != 3 or parts[0] != _ID_PREFIX:
        return None, None
    try:
        return parts[1], datetime.fromisoformat(parts[2])
    except ValueError:
        return None, None


def _public_fingerprint(session: PyKCS11.Session, handle: int) -> str:
    """SHA-256 of the SubjectPublicKeyInfo rebuilt from the modulus and exponent: what the SO compared."""
    try:
        modulus, exponent = session.getAttributeValue(handle, [PyKCS11.CKA_MODULUS, PyKCS11.CKA_PUBLIC_EXPONENT])
        numbers = rsa.RSAPublicNumbers(int.from_bytes(bytes(exponent), "big"), int.from_bytes(bytes(modulus), "big"))
        der = numbers.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (PyKCS11.PyKCS11Error, ValueError, TypeError):
        return ""  # not an RSA key, or one the token will not show
    return hashlib.sha256(der).hexdigest()


def _class_name(object_class: object) -> str:
    name = PyKCS11.CKO.get(object_class, str(object_class))
    return str(name).removeprefix("CKO_").lower()
