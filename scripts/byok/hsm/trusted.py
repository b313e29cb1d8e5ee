"""Trusted wrapping (key-ceremony mode): material can leave the token only under keys the security officer approved.

Without it, anyone holding the user PIN can create a session public key with CKA_WRAP, wrap the material
under it and decrypt the result outside the HSM. With it, material is generated with
CKA_WRAP_WITH_TRUSTED=true (which cannot be unset) and CKA_COPYABLE=false (no C_CopyObject with new
attributes), and C_WrapKey accepts only a wrapping key with CKA_TRUSTED=true, which only a security
officer session can set. So each import needs two people: the user runs the import, which stops after
GetParametersForImport; the SO checks the KMS wrapping key's fingerprint and approves it
(``byok hsm approve-wrapping-key``), which creates:

- the KMS wrapping public key as a trusted token object (CKA_TRUSTED, CKA_WRAP, nothing else);
- for the two-step RSA_AES scheme, the ephemeral AES key as well: it wraps the material, so it must be
  trusted, and it is itself CKA_WRAP_WITH_TRUSTED (else a PIN holder could wrap it out under their own
  key and then unwrap the material), with no CKA_UNWRAP or CKA_DECRYPT.

Both are public objects (an SO session can create no private ones) that exist only until the import
finished: the user session destroys them then. Objects are found by a label holding the first 24 hex
digits of the public key's SHA-256, and matched on the full modulus. Their CKA_ID names the key and the
import token's expiry, so an approval that is never used is destroyed on the next run (``byok.hsm.approvals``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import PyKCS11

from byok.hsm.approvals import APPROVED_PREFIX, attribution
from byok.hsm.session import SESSION_LOST, ckr_name, quietly
from byok.hsm.wrapping import ApprovedKeys, public_key_template, rsa_public_numbers, secret_aes256_template, to_bytes

TRUSTED_MATERIAL_ATTRIBUTES = {PyKCS11.CKA_WRAP_WITH_TRUSTED: True, PyKCS11.CKA_COPYABLE: False}
ATTRIBUTE_NAMES = {PyKCS11.CKA_WRAP_WITH_TRUSTED: "CKA_WRAP_WITH_TRUSTED", PyKCS11.CKA_COPYABLE: "CKA_COPYABLE"}


def fingerprint(public_key_der: bytes) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, in hex: what the user shows and the SO checks."""
    return hashlib.sha256(public_key_der).hexdigest()


def short_fingerprint(public_key_der: bytes) -> str:
    """24 hex digits: enough to tell keys apart, short enough for labels and the journal (no 32-hex runs there)."""
    return fingerprint(public_key_der)[:24]


def approved_label(public_key_der: bytes, part: str) -> str:
    return f"{APPROVED_PREFIX}/{short_fingerprint(public_key_der)}/{part}"


@dataclass(frozen=True)
class TrustedSupport:
    """What the token did with the key-ceremony attributes, from a session-key probe."""

    accepted: tuple[str, ...]  # attribute names the token took
    refused: dict[str, str]  # attribute name -> the token's answer
    enforced: bool  # a wrap under an untrusted key was refused (CKR_KEY_NOT_WRAPPABLE)
    detail: str

    @property
    def available(self) -> bool:
        return self.enforced and "CKA_WRAP_WITH_TRUSTED" in self.accepted


def probe_trusted_wrapping(session: PyKCS11.Session, untrusted_public: int, base_template: list) -> TrustedSupport:
    """Generate a session key with each attribute, then check a wrap under an untrusted key is refused."""
    accepted, refused = [], {}
    template = dict(base_template)
    for attribute, value in TRUSTED_MATERIAL_ATTRIBUTES.items():
        try:
            quietly_destroy(session, session.generateKey(list({**template, attribute: value}.items())))
        except PyKCS11.PyKCS11Error as exc:
            if exc.value in SESSION_LOST:
                raise
            refused[ATTRIBUTE_NAMES[attribute]] = ckr_name(exc)
            continue
        accepted.append(ATTRIBUTE_NAMES[attribute])
        template[attribute] = value
    if "CKA_WRAP_WITH_TRUSTED" not in accepted:
        return TrustedSupport(tuple(accepted), refused, False, "the token refuses CKA_WRAP_WITH_TRUSTED")
    key = session.generateKey(list(template.items()))
    try:
        session.wrapKey(untrusted_public, key, PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA_1, PyKCS11.CKG_MGF1_SHA1))
    except PyKCS11.PyKCS11Error as exc:
        if exc.value in SESSION_LOST:
            raise
        enforced = exc.value == PyKCS11.CKR_KEY_NOT_WRAPPABLE
        detail = "enforced" if enforced else f"a wrap under an untrusted key failed otherwise ({ckr_name(exc)})"
        return TrustedSupport(tuple(accepted), refused, enforced, detail)
    finally:
        quietly_destroy(session, key)
    return TrustedSupport(
        tuple(accepted), refused, False, "the token accepts CKA_WRAP_WITH_TRUSTED but wraps under untrusted keys"
    )


def quietly_destroy(session: PyKCS11.Session, handle: int) -> None:
    quietly(lambda: session.destroyObject(handle))


def create_approved(
    session: PyKCS11.Session, public_key_der: bytes, two_step: bool, key_arn: str, valid_to: datetime
) -> None:
    """In an SO session: the trusted public key, and for RSA_AES the trusted ephemeral AES key.

    Both carry ``attribution(key_arn, valid_to)`` in CKA_ID: whoever lists the token sees whose they are
    and until when they can serve.
    """
    numbers = rsa_public_numbers(public_key_der)
    owner = attribution(key_arn, valid_to)
    public = dict(public_key_template(numbers, approved_label(public_key_der, "public")))
    public.update(
        {PyKCS11.CKA_TOKEN: True, PyKCS11.CKA_TRUSTED: True, PyKCS11.CKA_MODIFIABLE: False, PyKCS11.CKA_ID: owner}
    )
    created = [session.createObject(list(public.items()))]
    try:
        if two_step:
            created.append(session.generateKey(_ephemeral_template(approved_label(public_key_der, "aes"), owner)))
    except PyKCS11.PyKCS11Error:
        for handle in created:
            quietly_destroy(session, handle)
        raise


def _ephemeral_template(label: str, owner: bytes) -> list[tuple[int, object]]:
    """byok's wrapping AES key, made public (an SO session may create public objects only) and trusted.

    It stays extractable (the RSA part wraps it under the trusted KMS key) but only under trusted keys.
    """
    template = dict(secret_aes256_template(label, token=True, wrap=True))
    template.update(
        {
            PyKCS11.CKA_PRIVATE: False,
            PyKCS11.CKA_WRAP_WITH_TRUSTED: True,
            PyKCS11.CKA_TRUSTED: True,
            PyKCS11.CKA_MODIFIABLE: False,
            PyKCS11.CKA_ID: owner,
        }
    )
    return list(template.items())


def find_approved(session: PyKCS11.Session, public_key_der: bytes, two_step: bool) -> ApprovedKeys | None:
    """The approved objects for this exact public key (modulus compared), or None if the SO has not approved it."""
    numbers = rsa_public_numbers(public_key_der)
    public = None
    for handle in session.findObjects([(PyKCS11.CKA_LABEL, approved_label(public_key_der, "public"))]):
        modulus, trusted = session.getAttributeValue(handle, [PyKCS11.CKA_MODULUS, PyKCS11.CKA_TRUSTED])
        if bytes(modulus) == to_bytes(numbers.n) and trusted:
            public = handle
    if public is None:
        return None
    if not two_step:
        return ApprovedKeys(public, None)
    ephemeral = session.findObjects([(PyKCS11.CKA_LABEL, approved_label(public_key_der, "aes"))])
    return ApprovedKeys(public, ephemeral[0]) if ephemeral else None


def destroy_approved(session: PyKCS11.Session, public_key_der: bytes) -> int:
    """Remove the approval once the import is done; returns how many objects were destroyed."""
    handles = [
        handle
        for part in ("public", "aes")
        for handle in session.findObjects([(PyKCS11.CKA_LABEL, approved_label(public_key_der, part))])
    ]
    for handle in handles:
        session.destroyObject(handle)
    return len(handles)
