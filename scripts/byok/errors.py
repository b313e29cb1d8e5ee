"""Errors a user can act on: each says what happened and what to do next.

The CLI prints ``str(error)`` as one line and exits with ``error.exit_code``, so CI can
tell a configuration mistake from an HSM fault from an AWS refusal.
"""

from __future__ import annotations


class ByokError(Exception):
    """Base class: a cause and a remedy, never secrets or key material."""

    exit_code = 1

    def __init__(self, cause: str, remedy: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.remedy = remedy

    def __str__(self) -> str:
        return f"{self.cause} -> {self.remedy}" if self.remedy else self.cause


class ConfigError(ByokError):
    exit_code = 3


class HsmError(ByokError):
    exit_code = 4


class PinIncorrect(HsmError):
    pass


class TokenNotFound(HsmError):
    pass


class MechanismUnsupported(HsmError):
    pass


class MaterialNotFound(HsmError):
    pass


class LibraryUnavailable(HsmError):
    """The PKCS#11 library is missing, not a library, or cannot reach its service (daemon, hardserver)."""


class MaterialConflict(HsmError):
    """An HSM object already backs another KMS key: one material, one key."""


class TrustedWrappingUnavailable(HsmError):
    """byok.toml requires trusted wrapping (key-ceremony mode) and the token cannot enforce it."""


class KmsError(ByokError):
    exit_code = 5


class KeyNotFound(KmsError):
    pass


class KeyNotExternal(KmsError):
    pass


class KeyWrongState(KmsError):
    pass


class ImportTokenExpired(KmsError):
    pass


class MaterialRejected(KmsError):
    pass


class InsecureEndpoint(KmsError):
    pass


class WrappingKeyMismatch(KmsError):
    """GetParametersForImport answered with another key or another wrapping key spec than requested."""


class AlgorithmRefused(KmsError):
    """The region does not offer the wrapping algorithm, or the estate's minimum-algorithm policy forbids it."""


class RotationBlocked(ByokError):
    """A rotation may not run now: an earlier environment is unfinished, or outside the window."""

    exit_code = 6


class ApprovalPending(ByokError):
    """Key-ceremony mode: the import waits for the security officer to approve the KMS wrapping key."""

    exit_code = 6
