"""The estate's rules for material (``[material]`` in byok.toml): minimum wrapping algorithm, trusted wrapping.

```toml
[material]
minimum_wrapping_algorithm = "RSAES_OAEP_SHA_256"   # refuse the SHA-1 variants (a downgrade becomes an error)
trusted_wrapping = "when-supported"                 # "required" | "when-supported" (default) | "off"
trusted_wrapping_opt_out = "token cannot: vendor ticket 1234"   # required with "off"; journaled on every import
```
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from byok.model import WrappingAlgorithm


class TrustedWrapping(enum.StrEnum):
    """Key-ceremony mode: material can be wrapped only under keys the security officer made trusted."""

    REQUIRED = "required"  # refuse a token that cannot do it
    WHEN_SUPPORTED = "when-supported"  # on where the token accepts CKA_WRAP_WITH_TRUSTED; the probe says so
    OFF = "off"  # explicit opt-out with a reason, journaled on every import


@dataclass(frozen=True)
class MaterialPolicy:
    minimum_wrapping_algorithm: WrappingAlgorithm | None = None
    trusted_wrapping: TrustedWrapping = TrustedWrapping.WHEN_SUPPORTED
    trusted_wrapping_opt_out: str = ""


def material_policy(section: object) -> MaterialPolicy:
    """Parse ``[material]``; raises ValueError with the field name, as the rest of byok.toml's parser does."""
    if not isinstance(section, dict):
        raise ValueError("[material] must be a table")
    unknown = set(section) - {"minimum_wrapping_algorithm", "trusted_wrapping", "trusted_wrapping_opt_out"}
    if unknown:
        raise ValueError(f"[material] has unknown fields {sorted(unknown)}")
    minimum = section.get("minimum_wrapping_algorithm")
    mode = section.get("trusted_wrapping", TrustedWrapping.WHEN_SUPPORTED.value)
    reason = section.get("trusted_wrapping_opt_out", "")
    try:
        policy = MaterialPolicy(
            minimum_wrapping_algorithm=WrappingAlgorithm(minimum) if minimum is not None else None,
            trusted_wrapping=TrustedWrapping(mode),
            trusted_wrapping_opt_out=str(reason),
        )
    except ValueError:
        raise ValueError(
            "material.minimum_wrapping_algorithm must be a KMS wrapping algorithm and material.trusted_wrapping "
            "one of required, when-supported, off"
        ) from None
    if policy.trusted_wrapping == TrustedWrapping.OFF and not policy.trusted_wrapping_opt_out.strip():
        raise ValueError("material.trusted_wrapping = 'off' needs material.trusted_wrapping_opt_out: the reason")
    return policy


def run_note(command: str, policy: MaterialPolicy) -> str:
    """A run's journal text, naming the trusted-wrapping mode: an opt-out is recorded on every run, with its reason."""
    if policy.trusted_wrapping == TrustedWrapping.OFF:
        return f"{command} (trusted wrapping off: {policy.trusted_wrapping_opt_out})"[:255]
    return f"{command} (trusted wrapping {policy.trusted_wrapping.value})"
