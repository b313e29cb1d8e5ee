"""Translate KMS error codes into byok errors that say what to do."""

from __future__ import annotations

from botocore.exceptions import ClientError

from byok.aws_failures import REJECTED_CREDENTIALS, aws_error
from byok.errors import (
    ByokError,
    ImportTokenExpired,
    KeyNotExternal,
    KeyNotFound,
    KeyWrongState,
    KmsError,
    MaterialRejected,
)

_BY_CODE: dict[str, tuple[type[KmsError], str]] = {
    "NotFoundException": (KeyNotFound, "check the key ID, ARN or alias and the region/account"),
    "UnsupportedOperationException": (
        KeyNotExternal,
        "material can be imported only into keys created with Origin=EXTERNAL",
    ),
    "KMSInvalidStateException": (KeyWrongState, "check the key state with `byok material list --key ...`"),
    "DisabledException": (KeyWrongState, "enable the key before using it"),
    "ExpiredImportTokenException": (
        ImportTokenExpired,
        "import parameters are valid 24 h: run the command again to fetch new ones",
    ),
    "InvalidImportTokenException": (
        ImportTokenExpired,
        "an import token is single-use and bound to one key: run the command again to fetch new ones",
    ),
    "InvalidCiphertextException": (
        MaterialRejected,
        "KMS could not unwrap the material: check the wrapping algorithm and that the HSM used the fresh key",
    ),
    "IncorrectKeyMaterialException": (
        MaterialRejected,
        "the material is not what KMS expects for this key (re-imports must use the same material)",
    ),
    "LimitExceededException": (KeyWrongState, "the key has reached a KMS limit (25 on-demand rotations)"),
    "ConflictException": (KeyWrongState, "another operation is changing this key: retry later"),
    "AccessDeniedException": (KmsError, "the caller's role lacks this KMS permission (see policies/iam)"),
    "ThrottlingException": (KmsError, "KMS kept throttling after adaptive retries: retry later"),
}


def translate(exc: Exception, action: str, key: str) -> ByokError:
    """Turn a boto3 failure into one line that names the key, the action and the remedy."""
    if isinstance(exc, ByokError):
        return exc
    error = exc.response.get("Error", {}) if isinstance(exc, ClientError) else {}
    code = error.get("Code", "Unknown")
    if not isinstance(exc, ClientError) or code in REJECTED_CREDENTIALS:
        access = aws_error(exc)  # no access (credentials, endpoint, region): not a verdict about the key
        if access is not None:
            return type(access)(f"{action} on {key}: {access.cause}", access.remedy)
        return KmsError(f"{action} on {key} failed: {exc}")
    message = error.get("Message", "")
    error_type, remedy = _BY_CODE.get(code, (KmsError, ""))
    return error_type(f"{action} on {key} failed: {code}: {message}".rstrip(": "), remedy)
