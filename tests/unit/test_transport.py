"""The KMS endpoint boto3 really uses is pinned; KMS's answer to GetParametersForImport is checked."""

from __future__ import annotations

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from byok.config import AwsSettings
from byok.errors import AlgorithmRefused, InsecureEndpoint, WrappingKeyMismatch
from byok.kms.client import KmsClient
from byok.kms.transport import require_pinned_endpoint
from byok.kms.wrapping_checks import check_import_parameters, require_offered
from byok.model import WrappingAlgorithm as Alg
from byok.model import WrappingKeySpec

VPCE = "vpce-0abc.kms.eu-central-1.vpce.amazonaws.com"
ARN = "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("url", "region", "configured", "allowed"),
    [
        ("https://kms.eu-central-1.amazonaws.com", "eu-central-1", None, ""),
        ("https://kms-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1", None, ""),
        ("https://kms.cn-north-1.amazonaws.com.cn", "cn-north-1", None, ""),
        ("http://127.0.0.1:5000", "eu-central-1", "http://127.0.0.1:5000", ""),
        ("http://localhost:4566", "eu-central-1", None, "localhost:4566"),
        (f"https://{VPCE}", "eu-central-1", None, VPCE),
    ],
)  # fmt: skip
def test_accepted(url, region, configured, allowed):
    require_pinned_endpoint(url, region, configured, {"BYOK_ALLOW_ENDPOINT": allowed})


@pytest.mark.parametrize(
    ("url", "region", "configured", "reason"),
    [
        ("http://10.0.0.5:4566", "eu-central-1", "http://10.0.0.5:4566", "only over TLS"),
        ("https://kms.eu-west-1.amazonaws.com", "eu-central-1", None, "not an AWS KMS endpoint for eu-central-1"),
        ("https://kms.eu-central-1.amazonaws.com.evil.example", "eu-central-1", None, "not an AWS KMS endpoint"),
        ("http://127.0.0.1:5000", "eu-central-1", None, "AWS_ENDPOINT_URL_KMS"),
        ("http://127.0.0.1:6000", "eu-central-1", "http://127.0.0.1:5000", "BYOK_ALLOW_ENDPOINT"),
    ],
)
def test_refused_with_reason(url, region, configured, reason):
    with pytest.raises(InsecureEndpoint) as caught:
        require_pinned_endpoint(url, region, configured, {})
    assert reason in str(caught.value) and " -> " in str(caught.value)


def test_environment_endpoint_that_boto3_would_use_is_refused(monkeypatch):
    """Seen: AWS_ENDPOINT_URL_KMS redirected import traffic over plain http while byok's own guard saw nothing."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", "http://192.0.2.10:4566")
    with pytest.raises(InsecureEndpoint, match="192.0.2.10.*only over TLS"):
        KmsClient(AwsSettings(endpoint_url=None, region="eu-central-1"))


def test_profile_endpoint_url_is_refused_unless_allowed(monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.write_text("[profile redirect]\nendpoint_url = https://kms.attacker.example\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    session = boto3.session.Session(profile_name="redirect", aws_access_key_id="x", aws_secret_access_key="y")
    with pytest.raises(InsecureEndpoint, match="kms.attacker.example.*not an AWS KMS endpoint"):
        KmsClient(AwsSettings(endpoint_url=None, region="eu-central-1"), session=session)
    monkeypatch.setenv("BYOK_ALLOW_ENDPOINT", "kms.attacker.example")
    assert KmsClient(AwsSettings(endpoint_url=None, region="eu-central-1"), session=session)


def _public_der(bits: int) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_wrapping_key_must_be_exactly_the_requested_spec():
    """Seen: only '>= 2048 bits' was checked, so a 2048-bit key answered for an RSA_4096 request went through."""
    check_import_parameters(ARN, WrappingKeySpec.RSA_2048, ARN, _public_der(2048))
    with pytest.raises(WrappingKeyMismatch, match="is RSA 2048 bits, not the RSA_4096 that was requested"):
        check_import_parameters(ARN, WrappingKeySpec.RSA_4096, ARN, _public_der(2048))


def test_answer_for_another_key_is_refused():
    other = ARN.replace("1234abcd", "9999ffff")
    with pytest.raises(WrappingKeyMismatch, match="answered for"):
        check_import_parameters(ARN, WrappingKeySpec.RSA_2048, other, _public_der(2048))
    check_import_parameters("1234abcd-12ab-34cd-56ef-1234567890ab", WrappingKeySpec.RSA_2048, ARN, _public_der(2048))


def test_rsa_aes_is_refused_in_china_and_below_the_minimum():
    with pytest.raises(AlgorithmRefused, match="not offered in cn-northwest-1"):
        require_offered(Alg.RSA_AES_KEY_WRAP_SHA_256, "cn-northwest-1", None)
    require_offered(Alg.RSAES_OAEP_SHA_256, "cn-northwest-1", None)
    with pytest.raises(AlgorithmRefused, match="weaker than the estate's minimum RSAES_OAEP_SHA_256"):
        require_offered(Alg.RSA_AES_KEY_WRAP_SHA_1, "eu-central-1", Alg.RSAES_OAEP_SHA_256)
    require_offered(Alg.RSA_AES_KEY_WRAP_SHA_256, "eu-central-1", Alg.RSAES_OAEP_SHA_256)
