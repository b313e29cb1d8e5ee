"""Refuse a wrapping algorithm the region or the estate's policy does not allow, and an answer not asked for.

A downgrade must be a refusal, not a log line: the RSA_AES_KEY_WRAP algorithms are not offered in the
China regions (so KMS would reject them late, after the HSM work), and an estate may set a minimum
(``[material] minimum_wrapping_algorithm`` in byok.toml, e.g. to refuse the SHA-1 variants).
GetParametersForImport's answer is checked too: a public key of another size or type, or parameters
for another key, mean the endpoint is not the KMS that byok asked.
"""

from __future__ import annotations

from byok.errors import AlgorithmRefused, WrappingKeyMismatch
from byok.model import WrappingAlgorithm, WrappingKeySpec

CHINA_REGION_PREFIX = "cn-"


def require_offered(algorithm: WrappingAlgorithm, region: str, minimum: WrappingAlgorithm | None) -> None:
    if algorithm.uses_aes_key_wrap and region.startswith(CHINA_REGION_PREFIX):
        raise AlgorithmRefused(
            f"{algorithm} is not offered in {region}: the China regions have no RSA_AES_KEY_WRAP algorithms",
            "set BYOK_WRAPPING_ALGORITHM=RSAES_OAEP_SHA_256 (the token must run RSA-OAEP with SHA-256)",
        )
    if minimum is not None and not algorithm.at_least(minimum):
        raise AlgorithmRefused(
            f"{algorithm} is weaker than the estate's minimum {minimum} (byok.toml [material])",
            "use a token that runs a stronger algorithm, or lower minimum_wrapping_algorithm by review",
        )


def check_import_parameters(requested_key: str, spec: WrappingKeySpec, answered_key: str, public_der: bytes) -> None:
    if not _same_key(requested_key, answered_key):
        raise WrappingKeyMismatch(
            f"GetParametersForImport for {requested_key} answered for {answered_key}",
            "the endpoint is not behaving as KMS: check BYOK_AWS_ENDPOINT and AWS_ENDPOINT_URL_KMS",
        )
    # imported here: byok.kms is also loaded by the drift monitor's Lambda, whose runtime has no cryptography
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        public_key = serialization.load_der_public_key(public_der)
    except ValueError:
        public_key = None
    if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size != spec.bits:
        got = f"RSA {public_key.key_size} bits" if isinstance(public_key, rsa.RSAPublicKey) else "not an RSA key"
        raise WrappingKeyMismatch(
            f"the wrapping public key for {requested_key} is {got}, not the {spec} that was requested",
            "the endpoint is not behaving as KMS: do not import; check the endpoint settings",
        )


def _same_key(requested: str, answered: str) -> bool:
    """``requested`` is an ARN or a key ID (aliases are resolved before import); KMS answers with the ARN."""
    if requested.startswith("arn:"):
        return answered == requested
    return answered.endswith(f":key/{requested}")
