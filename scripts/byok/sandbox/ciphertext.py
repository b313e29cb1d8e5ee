"""The sandbox's ciphertext blob: which key and which key material sealed it, then AES-256-GCM.

Real KMS blobs name the key material too; that is what lets a ciphertext made before a rotation still
decrypt after it. Layout (all lengths in bytes)::

    b"BYOK" | version 0x01 | len(key_id) (1) | key_id (ASCII) | material id (32, raw) | nonce (12) | ct+tag

The header and the canonical JSON of the encryption context are the GCM associated data, so neither the
key/material reference nor the context can be altered without failing authentication.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_MAGIC = b"BYOK\x01"
_MATERIAL_ID_LEN = 32
_NONCE_LEN = 12
_TAG_LEN = 16


class MalformedCiphertext(ValueError):
    """The blob was not made by the sandbox, was truncated, or failed authentication."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    material_id: str  # hex, as the API reports KeyMaterialId
    header: bytes
    body: bytes  # nonce + ciphertext + tag


def _header(key_id: str, material_id: str) -> bytes:
    raw_key_id = key_id.encode("ascii")
    return _MAGIC + bytes([len(raw_key_id)]) + raw_key_id + bytes.fromhex(material_id)


def _aad(header: bytes, context: dict[str, str]) -> bytes:
    return header + json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


def seal(key_id: str, material_id: str, secret: bytes, plaintext: bytes, context: dict[str, str]) -> bytes:
    header = _header(key_id, material_id)
    nonce = os.urandom(_NONCE_LEN)
    return header + nonce + AESGCM(secret).encrypt(nonce, plaintext, _aad(header, context))


def parse(blob: bytes) -> Sealed:
    """Read the header without decrypting, so the caller can find the key and material first."""
    if not blob.startswith(_MAGIC) or len(blob) <= len(_MAGIC):
        raise MalformedCiphertext("not a sandbox ciphertext")
    key_id_end = len(_MAGIC) + 1 + blob[len(_MAGIC)]
    header_end = key_id_end + _MATERIAL_ID_LEN
    if len(blob) < header_end + _NONCE_LEN + _TAG_LEN:
        raise MalformedCiphertext("truncated ciphertext")
    try:
        key_id = blob[len(_MAGIC) + 1 : key_id_end].decode("ascii")
    except UnicodeDecodeError as exc:
        raise MalformedCiphertext("corrupt key id") from exc
    return Sealed(key_id, blob[key_id_end:header_end].hex(), blob[:header_end], blob[header_end:])


def open_sealed(sealed: Sealed, secret: bytes, context: dict[str, str]) -> bytes:
    nonce, rest = sealed.body[:_NONCE_LEN], sealed.body[_NONCE_LEN:]
    try:
        return AESGCM(secret).decrypt(nonce, rest, _aad(sealed.header, context))
    except InvalidTag as exc:
        raise MalformedCiphertext("authentication failed") from exc
