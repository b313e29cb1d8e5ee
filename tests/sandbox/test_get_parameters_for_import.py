"""GetParametersForImport: real RSA wrapping keys of the requested size and a 24-hour token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from byok.sandbox import clock
from support.sandbox import error_code, get_parameters


@pytest.mark.parametrize(("spec", "bits"), [("RSA_2048", 2048), ("RSA_3072", 3072), ("RSA_4096", 4096)])
def test_returns_a_der_rsa_public_key_of_the_requested_size(kms: Any, external_key: str, spec: str, bits: int) -> None:
    clock.set_time(datetime(2026, 11, 28, 12, tzinfo=UTC))

    params = get_parameters(kms, external_key, "RSA_AES_KEY_WRAP_SHA_256", spec)

    public_key = load_der_public_key(params["PublicKey"])
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == bits
    assert params["KeyId"].endswith(f":key/{external_key}")
    assert params["ParametersValidTo"] == datetime(2026, 11, 28, 12, tzinfo=UTC) + timedelta(hours=24)


def test_every_call_returns_a_new_token(kms: Any, external_key: str) -> None:
    tokens = {get_parameters(kms, external_key)["ImportToken"] for _ in range(3)}

    assert len(tokens) == 3


def test_only_external_keys_take_imports(kms: Any) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]

    assert error_code(lambda: get_parameters(kms, key_id)) == "UnsupportedOperationException"


def test_pending_deletion_key_is_refused(kms: Any, external_key: str) -> None:
    kms.schedule_key_deletion(KeyId=external_key, PendingWindowInDays=7)

    assert error_code(lambda: get_parameters(kms, external_key)) == "KMSInvalidStateException"


@pytest.mark.parametrize(
    ("algorithm", "spec", "code"),
    [
        ("RSAES_PKCS1_V1_5", "RSA_2048", "ValidationException"),
        ("SM2PKE", "RSA_2048", "UnsupportedOperationException"),
        ("RSAES_OAEP_SHA_256", "SM2", "UnsupportedOperationException"),
    ],
)
def test_deprecated_and_china_only_choices_are_refused(
    kms: Any, external_key: str, algorithm: str, spec: str, code: str
) -> None:
    assert error_code(lambda: get_parameters(kms, external_key, algorithm, spec)) == code


def test_unknown_key_is_not_found(kms: Any) -> None:
    missing = "0b0b0b0b-0b0b-0b0b-0b0b-0b0b0b0b0b0b"

    assert error_code(lambda: get_parameters(kms, missing)) == "NotFoundException"
