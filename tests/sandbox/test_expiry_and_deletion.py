"""Any material of an imported key that expires or is deleted takes the key to PendingImport until re-imported."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest

from byok.sandbox import clock
from support.sandbox import error_code, import_material, key_state, list_materials

HOUR = 3600


def _expiring_key(kms: Any, lifetime: int = HOUR) -> tuple[str, bytes, str]:
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)
    material_id = import_material(kms, key_id, material, ValidTo=clock.now() + timedelta(seconds=lifetime))[
        "KeyMaterialId"
    ]
    return key_id, material, material_id


def test_expired_material_takes_the_key_down_and_reimport_restores_it(kms: Any) -> None:
    key_id, material, material_id = _expiring_key(kms)
    sealed = kms.encrypt(KeyId=key_id, Plaintext=b"kept")["CiphertextBlob"]

    clock.advance(HOUR + 1)

    assert key_state(kms, key_id) == "PendingImport"
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"] is False
    assert list_materials(kms, key_id)[0]["ImportState"] == "PENDING_IMPORT"
    assert error_code(lambda: kms.decrypt(CiphertextBlob=sealed)) == "KMSInvalidStateException"

    import_material(
        kms,
        key_id,
        material,
        ImportType="EXISTING_KEY_MATERIAL",
        KeyMaterialId=material_id,
        ValidTo=clock.now() + timedelta(days=30),
    )

    assert key_state(kms, key_id) == "Enabled"
    assert list_materials(kms, key_id)[0]["ImportState"] == "IMPORTED"
    assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"kept"


def test_material_is_usable_until_valid_to(kms: Any) -> None:
    key_id, _, _ = _expiring_key(kms)

    clock.advance(HOUR - 1)

    assert key_state(kms, key_id) == "Enabled"


def test_expiry_of_a_non_current_material_takes_the_key_down(kms: Any) -> None:
    key_id, old_material, old_id = _expiring_key(kms, lifetime=2 * HOUR)
    import_material(kms, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    kms.rotate_key_on_demand(KeyId=key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["ValidTo"] == list_materials(kms, key_id)[0]["ValidTo"]

    clock.advance(2 * HOUR + 1)

    assert key_state(kms, key_id) == "PendingImport"
    assert [(m["KeyMaterialState"], m["ImportState"]) for m in list_materials(kms, key_id)] == [
        ("NON_CURRENT", "PENDING_IMPORT"),
        ("CURRENT", "IMPORTED"),
    ]
    assert error_code(lambda: kms.encrypt(KeyId=key_id, Plaintext=b"x")) == "KMSInvalidStateException"
    import_material(kms, key_id, old_material, ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=old_id)
    assert key_state(kms, key_id) == "Enabled"


def test_reimport_can_drop_the_expiry(kms: Any) -> None:
    key_id, material, _ = _expiring_key(kms)

    import_material(kms, key_id, material, ImportType="EXISTING_KEY_MATERIAL")
    clock.advance(400 * 86400)

    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["ExpirationModel"]) == ("Enabled", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert "ValidTo" not in metadata


def test_deleting_current_material_takes_the_key_down(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, material = imported_key
    material_id = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    sealed = kms.encrypt(KeyId=key_id, Plaintext=b"kept")["CiphertextBlob"]

    deleted = kms.delete_imported_key_material(KeyId=key_id)

    assert deleted["KeyMaterialId"] == material_id
    assert key_state(kms, key_id) == "PendingImport"
    import_material(kms, key_id, material)  # ImportType defaults to EXISTING once the key has had material
    assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"kept"


def test_deleting_a_named_non_current_material_takes_the_key_down(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    old_id = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    import_material(kms, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    kms.rotate_key_on_demand(KeyId=key_id)

    assert kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId=old_id)["KeyMaterialId"] == old_id

    assert key_state(kms, key_id) == "PendingImport"


def test_new_material_is_refused_while_another_is_missing(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    kms.delete_imported_key_material(KeyId=key_id)

    code = error_code(lambda: import_material(kms, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL"))

    assert code == "KMSInvalidStateException"


@pytest.mark.parametrize("how", ["delete", "expire"])
def test_pending_deletion_key_keeps_its_state(kms: Any, how: str) -> None:
    key_id, _, _ = _expiring_key(kms)
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)

    if how == "delete":
        kms.delete_imported_key_material(KeyId=key_id)
    else:
        clock.advance(HOUR + 1)

    assert key_state(kms, key_id) == "PendingDeletion"
    assert list_materials(kms, key_id)[0]["ImportState"] == "PENDING_IMPORT"


def test_delete_is_refused_for_generated_keys_and_unknown_material(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    aws_key = kms.create_key()["KeyMetadata"]["KeyId"]

    assert error_code(lambda: kms.delete_imported_key_material(KeyId=aws_key)) == "UnsupportedOperationException"
    assert error_code(lambda: kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId="0" * 64)) == (
        "NotFoundException"
    )
