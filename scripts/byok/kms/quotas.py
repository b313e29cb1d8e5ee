"""AWS KMS request quotas: the documented rates byok paces itself to, per account and region.

Source: AWS KMS Developer Guide, "Request quotas" (checked 2026-12, see DESIGN.md section 7). Each quota
is a token bucket per account and region; operations listed together share one bucket. Cryptographic
operations on symmetric keys share a much larger quota (5,500 to 100,000 per second depending on the
region); byok makes only a few canary calls per key, so the lowest regional default is used for them.
Accounts with raised quotas override a rate in byok.toml (``[quotas]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from byok.errors import ConfigError

SOURCE = "AWS KMS Developer Guide, Request quotas (requests per second, per account and region)"

# quota name -> (requests per second, operations that share it)
_DOCUMENTED: dict[str, tuple[float, tuple[str, ...]]] = {
    "GetParametersForImport": (1, ("GetParametersForImport",)),
    "ImportKeyMaterial": (15, ("ImportKeyMaterial",)),
    "DeleteImportedKeyMaterial": (15, ("DeleteImportedKeyMaterial",)),
    "ScheduleKeyDeletion": (15, ("ScheduleKeyDeletion",)),
    "RotateKeyOnDemand": (5, ("RotateKeyOnDemand",)),
    "CreateKey": (5, ("CreateKey",)),
    "CreateAlias": (5, ("CreateAlias",)),
    "UpdateAlias": (5, ("UpdateAlias",)),
    "GetKeyLastUsage": (5, ("GetKeyLastUsage",)),
    "ListKeyRotations": (100, ("ListKeyRotations",)),
    "ListKeys": (500, ("ListKeys",)),
    "ListAliases": (500, ("ListAliases",)),
    "GetKeyPolicy": (1000, ("GetKeyPolicy",)),
    "GetKeyRotationStatus": (1000, ("GetKeyRotationStatus",)),
    "DescribeKey": (2000, ("DescribeKey",)),
    "ListResourceTags": (2000, ("ListResourceTags",)),
    "Cryptographic operations (symmetric)": (
        5500,
        ("Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateRandom"),
    ),
}


@dataclass(frozen=True)
class QuotaTable:
    """Rates per quota, with overrides for accounts whose quotas AWS raised."""

    overrides: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.overrides) - set(_DOCUMENTED))
        if unknown:
            raise ConfigError(
                f"unknown KMS quota(s) {unknown} in [quotas]", f"choose from: {', '.join(sorted(_DOCUMENTED))}"
            )
        for name, rate in self.overrides.items():
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1_000_000:
                raise ConfigError(
                    f"[quotas] {name} = {rate!r} is not a rate", "give requests per second, a number above 0"
                )
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    def quota_of(self, operation: str) -> str | None:
        """The quota an operation counts against; None for operations byok does not pace."""
        return _BY_OPERATION.get(operation)

    def rate(self, quota: str) -> float:
        return float(self.overrides.get(quota, _DOCUMENTED[quota][0]))


_BY_OPERATION = {operation: quota for quota, (_, operations) in _DOCUMENTED.items() for operation in operations}
