"""In-place rotation: NEW_KEY_MATERIAL goes PENDING_ROTATION, RotateKeyOnDemand makes it CURRENT."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from byok.sandbox import clock
from support.sandbox import error_code, import_material, list_materials


def _import_new(kms: Any, key_id: str, **extra: Any) -> str:
    return import_material(kms, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL", **extra)["KeyMaterialId"]


def test_new_material_waits_in_pending_rotation(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    current = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]

    pending = _import_new(kms, key_id, KeyMaterialDescription="gen 2")

    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"] == current
    assert [(m["KeyMaterialId"], m["KeyMaterialState"]) for m in list_materials(kms, key_id)] == [
        (current, "CURRENT"),
        (pending, "PENDING_ROTATION"),
    ]
    assert kms.list_key_rotations(KeyId=key_id)["Rotations"] == []


def test_rotation_promotes_pending_and_keeps_old_ciphertexts_decryptable(
    kms: Any, imported_key: tuple[str, bytes]
) -> None:
    key_id, _ = imported_key
    old = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    sealed_before = kms.encrypt(KeyId=key_id, Plaintext=b"before", EncryptionContext={"app": "s3"})["CiphertextBlob"]
    new = _import_new(kms, key_id)
    clock.set_time(datetime(2026, 11, 28, 9, tzinfo=UTC))

    assert kms.rotate_key_on_demand(KeyId=key_id)["KeyId"] == key_id

    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"] == new
    [rotation] = kms.list_key_rotations(KeyId=key_id)["Rotations"]
    assert (rotation["KeyMaterialId"], rotation["KeyMaterialState"]) == (new, "CURRENT")
    assert (rotation["RotationType"], rotation["RotationDate"]) == ("ON_DEMAND", datetime(2026, 11, 28, 9, tzinfo=UTC))
    assert {m["KeyMaterialId"]: m["KeyMaterialState"] for m in list_materials(kms, key_id)} == {
        old: "NON_CURRENT",
        new: "CURRENT",
    }
    before = kms.decrypt(CiphertextBlob=sealed_before, EncryptionContext={"app": "s3"})
    assert (before["Plaintext"], before["KeyMaterialId"]) == (b"before", old)
    after = kms.encrypt(KeyId=key_id, Plaintext=b"after")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=after)["KeyMaterialId"] == new


def test_rotation_without_pending_material_is_refused(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key

    assert error_code(lambda: kms.rotate_key_on_demand(KeyId=key_id)) == "KMSInvalidStateException"


def test_only_one_material_may_be_pending(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    _import_new(kms, key_id)

    assert error_code(lambda: _import_new(kms, key_id)) == "KMSInvalidStateException"


def test_deleting_pending_material_makes_room_for_another(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    pending = _import_new(kms, key_id)

    kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId=pending)

    assert [m["KeyMaterialState"] for m in list_materials(kms, key_id)] == ["CURRENT"]
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    _import_new(kms, key_id)


def test_25_rotations_then_new_material_and_rotation_are_refused(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    for _ in range(25):
        _import_new(kms, key_id)
        kms.rotate_key_on_demand(KeyId=key_id)

    assert len(kms.list_key_rotations(KeyId=key_id, Limit=1000)["Rotations"]) == 25
    assert error_code(lambda: _import_new(kms, key_id)) == "LimitExceededException"
    assert error_code(lambda: kms.rotate_key_on_demand(KeyId=key_id)) == "LimitExceededException"


def test_multi_region_primary_without_replicas_rotates_like_any_key(kms: Any) -> None:
    key_id = kms.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]["KeyId"]
    import_material(kms, key_id, os.urandom(32))
    new = _import_new(kms, key_id)

    kms.rotate_key_on_demand(KeyId=key_id)

    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"] == new


def test_asymmetric_and_hmac_keys_do_not_rotate_on_demand(kms: Any) -> None:
    rsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    hmac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]

    for key_id in (rsa_key, hmac_key):
        assert error_code(lambda k=key_id: kms.rotate_key_on_demand(KeyId=k)) == "UnsupportedOperationException"


def test_generated_keys_rotate_to_fresh_material(kms: Any) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    first = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    sealed = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]

    kms.rotate_key_on_demand(KeyId=key_id)

    second = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    assert second != first
    assert kms.decrypt(CiphertextBlob=sealed)["KeyMaterialId"] == first
    assert [m["KeyMaterialState"] for m in list_materials(kms, key_id)] == ["NON_CURRENT", "CURRENT"]
    assert "ImportState" not in list_materials(kms, key_id)[0]


def test_rotation_of_a_disabled_key_is_refused(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    _import_new(kms, key_id)
    kms.disable_key(KeyId=key_id)

    assert error_code(lambda: kms.rotate_key_on_demand(KeyId=key_id)) == "DisabledException"


def test_list_key_rotations_pages(kms: Any, imported_key: tuple[str, bytes]) -> None:
    key_id, _ = imported_key
    for _ in range(2):
        _import_new(kms, key_id)
        kms.rotate_key_on_demand(KeyId=key_id)
    _import_new(kms, key_id)

    seen, marker = [], None
    while True:
        page = kms.list_key_rotations(
            KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL", Limit=2, **({"Marker": marker} if marker else {})
        )
        seen.extend(m["KeyMaterialState"] for m in page["Rotations"])
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]

    assert seen == ["NON_CURRENT", "NON_CURRENT", "CURRENT", "PENDING_ROTATION"]
    assert error_code(lambda: kms.list_key_rotations(KeyId=key_id, Marker="bogus")) == "InvalidMarkerException"
