"""Encrypt, Decrypt, ReEncrypt and GenerateDataKey: the imported material is used, and key state is enforced."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from byok.sandbox import clock
from support.sandbox import error_code, import_material, key_state

Operation = Callable[[Any, str, bytes], Any]
OPERATIONS: dict[str, Operation] = {
    "encrypt": lambda kms, key_id, blob: kms.encrypt(KeyId=key_id, Plaintext=b"data"),
    "decrypt": lambda kms, key_id, blob: kms.decrypt(CiphertextBlob=blob),
    "re_encrypt": lambda kms, key_id, blob: kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key_id),
    "generate_data_key": lambda kms, key_id, blob: kms.generate_data_key(KeyId=key_id, KeySpec="AES_256"),
    "generate_data_key_without_plaintext": lambda kms, key_id, blob: kms.generate_data_key_without_plaintext(
        KeyId=key_id, NumberOfBytes=32
    ),
}


def _enter_state(kms: Any, key_id: str, state: str) -> None:
    if state == "Disabled":
        kms.disable_key(KeyId=key_id)
    elif state == "PendingDeletion":
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    elif state == "PendingImport":
        kms.delete_imported_key_material(KeyId=key_id)
    assert key_state(kms, key_id) == state


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    ("origin", "state", "code"),
    [
        ("EXTERNAL", "Enabled", None),
        ("EXTERNAL", "Disabled", "DisabledException"),
        ("EXTERNAL", "PendingImport", "KMSInvalidStateException"),
        ("EXTERNAL", "PendingDeletion", "KMSInvalidStateException"),
        ("AWS_KMS", "Enabled", None),
        ("AWS_KMS", "Disabled", "DisabledException"),
        ("AWS_KMS", "PendingDeletion", "KMSInvalidStateException"),
    ],
)
def test_key_state_decides_whether_cryptography_runs(
    kms: Any, operation: str, origin: str, state: str, code: str | None
) -> None:
    key_id = kms.create_key(Origin=origin)["KeyMetadata"]["KeyId"]
    if origin == "EXTERNAL":
        import_material(kms, key_id, os.urandom(32))
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"data")["CiphertextBlob"]
    _enter_state(kms, key_id, state)

    call = OPERATIONS[operation]
    if code is None:
        call(kms, key_id, blob)
    else:
        assert error_code(lambda: call(kms, key_id, blob)) == code


def test_responses_name_the_key_material(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    material_id = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    other_material = kms.describe_key(KeyId=other)["KeyMetadata"]["CurrentKeyMaterialId"]

    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    without = kms.generate_data_key_without_plaintext(KeyId=key_id, KeySpec="AES_128")
    moved = kms.re_encrypt(CiphertextBlob=data_key["CiphertextBlob"], DestinationKeyId=other)

    assert data_key["KeyMaterialId"] == without["KeyMaterialId"] == material_id
    assert (moved["SourceKeyMaterialId"], moved["DestinationKeyMaterialId"]) == (material_id, other_material)
    assert moved["SourceKeyId"].endswith(key_id) and moved["KeyId"].endswith(other)
    assert kms.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"]


def test_encryption_context_is_bound(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"data", EncryptionContext={"table": "orders"})["CiphertextBlob"]

    assert error_code(lambda: kms.decrypt(CiphertextBlob=blob)) == "InvalidCiphertextException"
    assert (
        error_code(lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext={"table": "users"}))
        == "InvalidCiphertextException"
    )


@pytest.mark.parametrize("position", [0, 10, 50, -1])
def test_tampered_or_foreign_ciphertext_is_refused(kms: Any, imported_key: tuple[str, bytes], position: int) -> None:
    key_id, _ = imported_key
    blob = bytearray(kms.encrypt(KeyId=key_id, Plaintext=b"data")["CiphertextBlob"])
    blob[position] ^= 0x01

    assert error_code(lambda: kms.decrypt(CiphertextBlob=bytes(blob))) in (
        "InvalidCiphertextException",
        "AccessDeniedException",  # a flipped key-id byte names a key that does not exist
    )


def test_multi_region_key_ciphertexts_round_trip(kms: Any) -> None:
    """moto's own blob truncates the 40-character mrk- key ids; the sandbox blob carries any length."""
    key_id = kms.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"data")["CiphertextBlob"]

    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"data"


def test_clock_does_not_expire_material_that_does_not_expire(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key

    clock.advance(10 * 365 * 86400)

    assert kms.encrypt(KeyId=key_id, Plaintext=b"data")["KeyId"].endswith(key_id)
