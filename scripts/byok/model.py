"""Typed core model shared by the HSM, KMS, sandbox and rotation layers.

Values here never carry plaintext key material: the HSM holds it, and everything
outside the HSM only ever sees labels, check values and wrapped blobs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class WrappingAlgorithm(enum.StrEnum):
    """KMS wrapping algorithms for symmetric (AES-256) material, strongest first."""

    RSA_AES_KEY_WRAP_SHA_256 = "RSA_AES_KEY_WRAP_SHA_256"
    RSAES_OAEP_SHA_256 = "RSAES_OAEP_SHA_256"
    RSA_AES_KEY_WRAP_SHA_1 = "RSA_AES_KEY_WRAP_SHA_1"
    RSAES_OAEP_SHA_1 = "RSAES_OAEP_SHA_1"

    @property
    def hash_name(self) -> str:
        return "sha256" if self.value.endswith("SHA_256") else "sha1"

    @property
    def uses_aes_key_wrap(self) -> bool:
        return self.value.startswith("RSA_AES_KEY_WRAP")

    @classmethod
    def by_strength(cls) -> list[WrappingAlgorithm]:
        return list(cls)

    def at_least(self, minimum: WrappingAlgorithm) -> bool:
        """As strong as ``minimum`` or stronger, in the order of ``by_strength``."""
        order = self.by_strength()
        return order.index(self) <= order.index(minimum)


class WrappingKeySpec(enum.StrEnum):
    RSA_2048 = "RSA_2048"
    RSA_3072 = "RSA_3072"
    RSA_4096 = "RSA_4096"

    @property
    def bits(self) -> int:
        return int(self.value.split("_")[1])


class KeyState(enum.StrEnum):
    ENABLED = "Enabled"
    DISABLED = "Disabled"
    PENDING_DELETION = "PendingDeletion"
    PENDING_IMPORT = "PendingImport"
    UNAVAILABLE = "Unavailable"


class KeyMaterialState(enum.StrEnum):
    CURRENT = "CURRENT"
    NON_CURRENT = "NON_CURRENT"
    PENDING_ROTATION = "PENDING_ROTATION"
    # a multi-Region primary's new material until every replica has imported it (ImportKeyMaterial reference)
    PENDING_MULTI_REGION_IMPORT_AND_ROTATION = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"


class ImportState(enum.StrEnum):
    IMPORTED = "IMPORTED"
    PENDING_IMPORT = "PENDING_IMPORT"


class ExpirationModel(enum.StrEnum):
    KEY_MATERIAL_EXPIRES = "KEY_MATERIAL_EXPIRES"
    KEY_MATERIAL_DOES_NOT_EXPIRE = "KEY_MATERIAL_DOES_NOT_EXPIRE"


class ImportType(enum.StrEnum):
    NEW_KEY_MATERIAL = "NEW_KEY_MATERIAL"
    EXISTING_KEY_MATERIAL = "EXISTING_KEY_MATERIAL"


class Strategy(enum.StrEnum):
    IN_PLACE = "in-place"
    ALIAS_SWAP = "alias-swap"


@dataclass(frozen=True)
class ImportParameters:
    """What GetParametersForImport returned: the KMS wrapping public key and its single-use token."""

    key_arn: str
    public_key_der: bytes
    import_token: bytes
    valid_to: datetime
    algorithm: WrappingAlgorithm
    wrapping_key_spec: WrappingKeySpec


@dataclass(frozen=True)
class HsmMaterial:
    """A key material object held in the HSM, known by its label (bound to one KMS key) and its fingerprint.

    The fingerprint is the key check value where the token implements it; otherwise the audit trail
    names the material by KMS's KeyMaterialId, this label and, where present, CKA_UNIQUE_ID.
    """

    label: str
    check_value: str | None  # hex, 3 bytes (PKCS#11 2.40 CKA_CHECK_VALUE); None where the token has none
    unique_id: str | None = None  # CKA_UNIQUE_ID (PKCS#11 3.0), where the token assigns one
    wrap_with_trusted: bool = False  # key-ceremony mode: wrappable only under SO-approved keys


@dataclass(frozen=True)
class KeyMaterial:
    """One material of a KMS key as ListKeyRotations(IncludeKeyMaterial=ALL_KEY_MATERIAL) reports it."""

    material_id: str
    state: KeyMaterialState
    import_state: ImportState | None = None
    expiration_model: ExpirationModel | None = None
    valid_to: datetime | None = None
    description: str | None = None
    rotation_date: datetime | None = None


@dataclass(frozen=True)
class KmsKey:
    """The parts of DescribeKey that rotation decisions need."""

    key_id: str
    arn: str
    state: KeyState
    origin: str
    key_spec: str
    multi_region: bool = False
    replica_regions: tuple[str, ...] = ()  # a multi-Region primary's replicas (DescribeKey)
    primary_region: str | None = None  # a multi-Region key's primary; its own region when it is the primary
    current_material_id: str | None = None
    creation_date: datetime | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)
