"""The HSM as the rotation layer sees it: a Protocol, so a vendor backend or a test fake can stand in.

Material never crosses this interface in plaintext: callers get labels, key check values and
wrapped blobs only.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Protocol

from byok.model import HsmMaterial, WrappingAlgorithm

if TYPE_CHECKING:  # PyKCS11-free for callers that only type against the protocol
    from byok.hsm.approvals import Select, TrustedObject


@dataclass(frozen=True)
class TokenInfo:
    label: str
    manufacturer: str
    model: str
    serial: str
    firmware: str
    mechanisms: tuple[str, ...]


@dataclass(frozen=True)
class AlgorithmChoice:
    """The algorithm to wrap with, and a plain statement of why, for the journal and the PR text."""

    algorithm: WrappingAlgorithm
    _: KW_ONLY
    strongest_known: WrappingAlgorithm = WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256
    reason: str
    downgraded: bool


class HsmBackend(Protocol):
    def token_info(self) -> TokenInfo: ...

    def wrapping_capabilities(self) -> list[WrappingAlgorithm]:
        """What the token really does (probed, not read off the mechanism list), strongest first."""
        ...

    def choose_algorithm(self, forced: WrappingAlgorithm | None = None) -> AlgorithmChoice:
        """The strongest capability, or ``forced`` if the token can do it (MechanismUnsupported if not)."""
        ...

    def ceremony_note(self) -> str:
        """The trusted-wrapping state new material gets, and what the token refused, for the journal."""
        ...

    def generate_material(self, label: str) -> HsmMaterial:
        """A new persistent AES-256 object; refuses a label that exists, because labels identify material."""
        ...

    def find_material(self, label: str) -> HsmMaterial | None: ...

    def list_materials(self, prefix: str = "") -> list[HsmMaterial]: ...

    def wrap(self, label: str, public_key_der: bytes, algorithm: WrappingAlgorithm) -> bytes: ...

    def destroy_material(self, label: str) -> None: ...

    def release_approval(self, public_key_der: bytes) -> int:
        """Key-ceremony mode: destroy the SO-approved wrapping objects once their import is done."""
        ...

    def trusted_objects(self) -> list[TrustedObject]:
        """Every CKA_TRUSTED object on the token (byok.hsm.approvals)."""
        ...

    def destroy_approvals(self, select: Select) -> list[TrustedObject]:
        """Destroy the byok-made trusted objects ``select`` picks; returns them."""
        ...

    def close(self) -> None: ...
