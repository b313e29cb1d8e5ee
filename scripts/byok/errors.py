"""Errors a user can act on: each says what happened and what to do next.

The CLI prints ``str(error)`` as one line and exits with ``error.exit_code``, so CI can
tell a configuration mistake from an HSM fault from an AWS refusal. ``ExitCode`` is the one
table of exit codes; every error class takes its code from it.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What a pipeline can branch on. 70 is kept for bugs: an expected failure never exits 70."""

    OK = 0
    FAILURE = 1  # a check failed (findings at/above --fail-on, a canary that no longer decrypts)
    USAGE = 2  # a bad option or argument
    CONFIGURATION = 3  # byok.toml, tfvars, settings, credentials, a path that cannot be read or written
    HSM = 4
    KMS = 5  # KMS or AWS refused, or the endpoint cannot be reached
    BLOCKED = 6  # window, environment order, held lock, refused retirement, Terraform or Checkov failed
    JOURNAL_TAMPERED = 7
    JOURNAL_NOT_WRITABLE = 8
    INJECTED_FAULT = 9  # tests only
    INTERNAL = 70  # a bug: rerun with BYOK_DEBUG=1 for the traceback
    INTERRUPTED = 130  # SIGINT or SIGTERM: a re-run of the same command resumes


class ByokError(Exception):
    """Base class: a cause and a remedy, never secrets or key material."""

    exit_code = ExitCode.FAILURE

    def __init__(self, cause: str, remedy: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.remedy = remedy

    def __str__(self) -> str:
        return f"{self.cause} -> {self.remedy}" if self.remedy else self.cause


class UsageError(ByokError):
    """An option or argument that cannot be right, found before anything was changed."""

    exit_code = ExitCode.USAGE


class ConfigError(ByokError):
    exit_code = ExitCode.CONFIGURATION


class PathError(ConfigError):
    """A file or directory byok must read or write cannot be: found before the first side effect."""


class CredentialsError(ConfigError):
    """No usable AWS credentials, profile or region: nothing was sent to AWS."""


class HsmError(ByokError):
    exit_code = ExitCode.HSM


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
    exit_code = ExitCode.KMS


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


class EndpointUnreachable(KmsError):
    """The AWS endpoint did not answer (down, wrong URL, network) or answered with something that is not AWS."""


class RotationBlocked(ByokError):
    """A rotation may not run now: an earlier environment is unfinished, or outside the window."""

    exit_code = ExitCode.BLOCKED


class ApprovalPending(ByokError):
    """Key-ceremony mode: the import waits for the security officer to approve the KMS wrapping key."""

    exit_code = ExitCode.BLOCKED


class Interrupted(ByokError):
    """SIGINT or SIGTERM stopped the command; every step it finished is recorded, so a re-run resumes."""

    exit_code = ExitCode.INTERRUPTED
