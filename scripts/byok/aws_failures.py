"""botocore's failures that mean "no access" rather than "bug": credentials, profile, region, endpoint.

Used by the KMS client (so ``rotate verify`` can tell "cannot check" from "check failed") and by the CLI's
last line of defence (so a drift scan with the endpoint down exits 5 with a remedy, not 70).
"""

from __future__ import annotations

from botocore import exceptions as aws

from byok.errors import ByokError, ConfigError, CredentialsError, EndpointUnreachable, KmsError

REJECTED_CREDENTIALS = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
    }
)
SANDBOX_HINT = 'for the embedded default: `byok sandbox up`, then `eval "$(byok sandbox env)"`'


def is_access_error(error: ByokError) -> bool:
    """byok could not ask AWS (or was not allowed to): a verdict about the keys would be a guess."""
    return isinstance(error, EndpointUnreachable | CredentialsError) or "AccessDeniedException" in error.cause


def aws_error(exc: BaseException) -> ByokError | None:
    """The byok error for a botocore failure that means access or setup, not a bug; None for anything else."""
    if isinstance(exc, aws.ProfileNotFound):
        return CredentialsError(
            f"AWS profile {exc.kwargs.get('profile')!r} is not configured",
            "fix AWS_PROFILE, or add the profile to ~/.aws/config",
        )
    if isinstance(exc, aws.NoCredentialsError | aws.PartialCredentialsError | aws.CredentialRetrievalError):
        return CredentialsError(
            f"no usable AWS credentials ({exc})",
            f"set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use the runner's role; {SANDBOX_HINT}",
        )
    if isinstance(exc, aws.InvalidRegionError):
        return ConfigError(
            f"{exc.kwargs.get('region_name')!r} is not an AWS region name",
            "use names like eu-central-1 (--regions takes a comma-separated list, no spaces inside a name)",
        )
    if isinstance(exc, aws.NoRegionError):
        return ConfigError("no AWS region is set", "set AWS_REGION or pass --region")
    if isinstance(exc, aws.EndpointConnectionError | aws.ConnectTimeoutError | aws.ConnectionClosedError):
        return EndpointUnreachable(
            f"cannot reach the AWS endpoint {exc.kwargs.get('endpoint_url', '')}".rstrip(),
            f"check --endpoint-url / BYOK_AWS_ENDPOINT and the network; {SANDBOX_HINT}",
        )
    if isinstance(exc, aws.ReadTimeoutError):
        return EndpointUnreachable("the AWS endpoint stopped answering (read timeout)", "retry; check the network")
    if isinstance(exc, aws.ResponseParserError):
        return EndpointUnreachable(
            "the endpoint answered with something that is not an AWS response",
            "check that --endpoint-url / BYOK_AWS_ENDPOINT names an AWS endpoint (or the local sandbox)",
        )
    if isinstance(exc, aws.ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Unknown"), error.get("Message", "")
        if code in REJECTED_CREDENTIALS:
            return CredentialsError(f"AWS rejected the credentials: {code}", "refresh them or pick another profile")
        return KmsError(f"AWS refused {exc.operation_name}: {code}: {message}".rstrip(": "), "see the AWS message")
    return None
