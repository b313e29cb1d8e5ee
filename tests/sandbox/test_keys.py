"""CreateKey and the key-level operations byok relies on, where moto alone answers differently from KMS."""

from __future__ import annotations

from typing import Any

from support.sandbox import error_code, key_state


def test_external_key_is_created_pending_import_without_material(kms: Any) -> None:
    metadata = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]

    assert (metadata["KeyState"], metadata["Enabled"], metadata["Origin"]) == ("PendingImport", False, "EXTERNAL")
    assert "CurrentKeyMaterialId" not in metadata
    assert "ExpirationModel" not in metadata
    assert kms.list_key_rotations(KeyId=metadata["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"] == []


def test_aws_kms_key_is_enabled_with_one_generated_material(kms: Any) -> None:
    metadata = kms.create_key()["KeyMetadata"]

    assert (metadata["KeyState"], metadata["Enabled"]) == ("Enabled", True)
    assert len(metadata["CurrentKeyMaterialId"]) == 64
    assert "ExpirationModel" not in metadata


def test_automatic_rotation_is_refused_for_imported_keys(kms: Any, external_key: str) -> None:
    assert error_code(lambda: kms.enable_key_rotation(KeyId=external_key)) == "UnsupportedOperationException"
    assert error_code(lambda: kms.disable_key_rotation(KeyId=external_key)) == "UnsupportedOperationException"
    assert error_code(lambda: kms.get_key_rotation_status(KeyId=external_key)) == "UnsupportedOperationException"


def test_automatic_rotation_still_works_for_generated_keys(kms: Any) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key_id)

    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True


def test_deletion_window_outside_7_to_30_days_is_refused(kms: Any) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]

    for days in (6, 31):
        assert error_code(lambda d=days: kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=d)) == (
            "ValidationException"
        )
    assert key_state(kms, key_id) == "Enabled"
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert key_state(kms, key_id) == "PendingDeletion"


def test_pending_import_key_cannot_be_enabled_or_disabled(kms: Any, external_key: str) -> None:
    assert error_code(lambda: kms.enable_key(KeyId=external_key)) == "KMSInvalidStateException"
    assert error_code(lambda: kms.disable_key(KeyId=external_key)) == "KMSInvalidStateException"
    assert key_state(kms, external_key) == "PendingImport"


def test_cancelled_deletion_of_a_key_without_material_returns_to_pending_import(kms: Any, external_key: str) -> None:
    kms.schedule_key_deletion(KeyId=external_key, PendingWindowInDays=7)
    assert key_state(kms, external_key) == "PendingDeletion"

    kms.cancel_key_deletion(KeyId=external_key)

    assert key_state(kms, external_key) == "PendingImport"
