"""ImportKeyMaterial: real unwrapping, single-use bound tokens, and the ValidTo/ImportType rules."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from byok.sandbox import check_value, clock
from support.sandbox import (
    ACCOUNT_ID,
    REGION,
    error_code,
    get_parameters,
    import_material,
    key_state,
    list_materials,
    wrap,
)

ALGORITHMS = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"]


def _import(kms: Any, key_id: str, params: dict[str, Any], blob: bytes, **extra: Any) -> Any:
    extra.setdefault("ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    return kms.import_key_material(KeyId=key_id, ImportToken=params["ImportToken"], EncryptedKeyMaterial=blob, **extra)


def _expected_check_value(material: bytes) -> str:
    encryptor = Cipher(algorithms.AES(material), modes.ECB()).encryptor()  # noqa: S305 - KCV definition
    return encryptor.update(bytes(16))[:3].hex()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_first_import_makes_the_key_usable_with_exactly_that_material(
    kms: Any, external_key: str, algorithm: str
) -> None:
    material = os.urandom(32)

    result = import_material(kms, external_key, material, algorithm=algorithm, wrapping_key_spec="RSA_3072")

    metadata = kms.describe_key(KeyId=external_key)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Enabled"]) == ("Enabled", True)
    assert metadata["CurrentKeyMaterialId"] == result["KeyMaterialId"]
    assert metadata["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    [entry] = list_materials(kms, external_key)
    assert (entry["KeyMaterialState"], entry["ImportState"]) == ("CURRENT", "IMPORTED")
    assert check_value(ACCOUNT_ID, REGION, external_key, result["KeyMaterialId"]) == _expected_check_value(material)


def test_material_id_is_derived_from_key_and_material(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, material = imported_key
    first_id = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    other_key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]

    again = import_material(kms, key_id, material, ImportType="EXISTING_KEY_MATERIAL")
    elsewhere = import_material(kms, other_key, material)

    assert again["KeyMaterialId"] == first_id
    assert elsewhere["KeyMaterialId"] != first_id


def test_token_is_single_use(kms: Any, external_key: str) -> None:
    params = get_parameters(kms, external_key)
    blob = wrap(params["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
    _import(kms, external_key, params, blob)

    assert error_code(lambda: _import(kms, external_key, params, blob)) == "InvalidImportTokenException"


def test_token_expires_after_24_hours(kms: Any, external_key: str) -> None:
    params = get_parameters(kms, external_key)
    clock.advance(timedelta(hours=24, seconds=1).total_seconds())

    blob = wrap(params["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
    assert error_code(lambda: _import(kms, external_key, params, blob)) == "ExpiredImportTokenException"


def test_token_of_another_key_is_refused_and_stays_valid_for_its_own(kms: Any, external_key: str) -> None:
    other_key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = get_parameters(kms, other_key)
    blob = wrap(params["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))

    assert error_code(lambda: _import(kms, external_key, params, blob)) == "InvalidImportTokenException"
    _import(kms, other_key, params, blob)
    assert key_state(kms, other_key) == "Enabled"


def test_garbage_token_is_refused(kms: Any, external_key: str) -> None:
    params = {"ImportToken": os.urandom(64)}

    assert error_code(lambda: _import(kms, external_key, params, os.urandom(256))) == "InvalidImportTokenException"


def _foreign_public_key() -> bytes:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize(
    ("token_algorithm", "wrapped_with", "wrapped_for"),
    [
        ("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1", "token key"),
        ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "token key"),
        ("RSA_AES_KEY_WRAP_SHA_256", "RSAES_OAEP_SHA_256", "token key"),
        ("RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_256", "token key"),
        ("RSA_AES_KEY_WRAP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "token key"),
        ("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_256", "another key"),
        ("RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_1", "another key"),
    ],
)
def test_material_wrapped_with_another_algorithm_or_key_does_not_unwrap(
    kms: Any, external_key: str, token_algorithm: str, wrapped_with: str, wrapped_for: str
) -> None:
    params = get_parameters(kms, external_key, token_algorithm)
    public_key = params["PublicKey"] if wrapped_for == "token key" else _foreign_public_key()
    blob = wrap(public_key, wrapped_with, os.urandom(32))

    assert error_code(lambda: _import(kms, external_key, params, blob)) == "InvalidCiphertextException"
    assert key_state(kms, external_key) == "PendingImport"


def test_garbage_material_is_invalid_ciphertext(kms: Any, external_key: str) -> None:
    params = get_parameters(kms, external_key)

    assert error_code(lambda: _import(kms, external_key, params, os.urandom(256))) == "InvalidCiphertextException"


@pytest.mark.parametrize("length", [16, 31, 33, 64])
def test_symmetric_material_must_be_256_bits(kms: Any, external_key: str, length: int) -> None:
    params = get_parameters(kms, external_key, "RSA_AES_KEY_WRAP_SHA_256")
    blob = wrap(params["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256", os.urandom(length))

    assert error_code(lambda: _import(kms, external_key, params, blob)) == "IncorrectKeyMaterialException"


@pytest.mark.parametrize(
    "terms",
    [
        {"ExpirationModel": "KEY_MATERIAL_EXPIRES"},
        {},  # the default model is KEY_MATERIAL_EXPIRES, which needs ValidTo
        {"ValidTo": -60},
        {"ValidTo": 366 * 86400},
        {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE", "ValidTo": 3600},
        {"ExpirationModel": "NEVER"},
        {"ImportType": "NEW_KEY_MATERIAL", "KeyMaterialId": "a" * 64},
    ],
)
def test_invalid_terms_are_refused_without_spending_the_token(kms: Any, external_key: str, terms: dict) -> None:
    params = get_parameters(kms, external_key)
    blob = wrap(params["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
    request = dict(terms)
    if "ValidTo" in request:
        request["ValidTo"] = clock.now() + timedelta(seconds=request["ValidTo"])

    code = error_code(
        lambda: kms.import_key_material(
            KeyId=external_key, ImportToken=params["ImportToken"], EncryptedKeyMaterial=blob, **request
        )
    )

    assert code == "ValidationException"
    _import(kms, external_key, params, blob)


def test_valid_to_up_to_365_days_is_accepted_and_reported(kms: Any, external_key: str) -> None:
    valid_to = (clock.now() + timedelta(days=365)).replace(microsecond=0)

    import_material(kms, external_key, os.urandom(32), ValidTo=valid_to)

    metadata = kms.describe_key(KeyId=external_key)["KeyMetadata"]
    assert (metadata["ExpirationModel"], metadata["ValidTo"]) == ("KEY_MATERIAL_EXPIRES", valid_to)
    [entry] = list_materials(kms, external_key)
    assert (entry["ExpirationModel"], entry["ValidTo"]) == ("KEY_MATERIAL_EXPIRES", valid_to)


def test_existing_import_with_other_bytes_is_refused(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    material_id = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]

    code = error_code(
        lambda: import_material(
            kms, key_id, os.urandom(32), ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=material_id
        )
    )

    assert code == "IncorrectKeyMaterialException"


def test_new_import_of_material_the_key_already_has_is_refused(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, material = imported_key

    code = error_code(lambda: import_material(kms, key_id, material, ImportType="NEW_KEY_MATERIAL"))

    assert code == "IncorrectKeyMaterialException"


def test_import_into_a_disabled_key_is_refused(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, material = imported_key
    kms.disable_key(KeyId=key_id)

    assert error_code(lambda: import_material(kms, key_id, material)) == "KMSInvalidStateException"


def test_description_is_kept_until_replaced(kms: Any, external_key: str) -> None:
    material = os.urandom(32)
    import_material(kms, external_key, material, KeyMaterialDescription="gen 1 from HSM")

    import_material(kms, external_key, material, ImportType="EXISTING_KEY_MATERIAL")

    [entry] = list_materials(kms, external_key)
    assert entry["KeyMaterialDescription"] == "gen 1 from HSM"


def test_only_symmetric_material_is_imported_by_the_sandbox(kms: Any) -> None:
    key_id = kms.create_key(Origin="EXTERNAL", KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"][
        "KeyId"
    ]

    assert key_state(kms, key_id) == "PendingImport"
    assert error_code(lambda: import_material(kms, key_id, os.urandom(32))) == "UnsupportedOperationException"
