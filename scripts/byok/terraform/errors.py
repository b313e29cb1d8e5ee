"""The one error type the Terraform layer raises, so the CLI prints one line, not a traceback."""

from __future__ import annotations

from byok.errors import ByokError


class TerraformError(ByokError):
    """Terraform refused or failed; the message carries its first error diagnostic."""

    exit_code = 6


class ProviderInstallError(TerraformError):
    """The offline AWS provider could not be obtained or did not match HashiCorp's hash."""
