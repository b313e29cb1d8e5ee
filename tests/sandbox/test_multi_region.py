"""Multi-Region keys with imported material: replicas import the primary's bytes, rotate from the primary."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

from byok.sandbox.server import LocalEndpoint
from support.sandbox import REGION, client, error_code, get_parameters, import_material, key_state, wrap

REPLICA_REGIONS = ("eu-west-1", "ap-southeast-2")


@dataclass
class KeySet:
    key_id: str
    primary: Any  # the KMS client of the primary's Region
    replicas: dict[str, Any]  # Region -> KMS client

    @property
    def everywhere(self) -> list[Any]:
        return [self.primary, *self.replicas.values()]


def _states(kms: Any, key_id: str) -> list[tuple[str, str, str]]:
    rotations = kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    return [(m["KeyMaterialId"], m["KeyMaterialState"], m["ImportState"]) for m in rotations]


def _current(kms: Any, key_id: str) -> str:
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]


def _new(kms: Any, key_id: str, material: bytes) -> str:
    return import_material(kms, key_id, material, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]


def _existing(kms: Any, key_id: str, material: bytes) -> str:
    return import_material(kms, key_id, material, ImportType="EXISTING_KEY_MATERIAL")["KeyMaterialId"]


def _stage(key_set: KeySet, material: bytes, replica_regions: tuple[str, ...]) -> str:
    """NEW material into the primary, then the same bytes into the named replicas; its KeyMaterialId."""
    material_id = _new(key_set.primary, key_set.key_id, material)
    for region in replica_regions:
        _existing(key_set.replicas[region], key_set.key_id, material)
    return material_id


@pytest.fixture
def key_set(sandbox: LocalEndpoint, sandbox_kms: Any) -> KeySet:
    """An EXTERNAL multi-Region primary and a replica in each of REPLICA_REGIONS, no material yet."""
    key_id = sandbox_kms.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]["KeyId"]
    for region in REPLICA_REGIONS:
        sandbox_kms.replicate_key(KeyId=key_id, ReplicaRegion=region)
    return KeySet(key_id, sandbox_kms, {region: client(sandbox, "kms", region) for region in REPLICA_REGIONS})


@pytest.fixture
def imported_set(key_set: KeySet) -> tuple[KeySet, bytes]:
    """The key set with one CURRENT material imported into the primary and every replica."""
    material = os.urandom(32)
    import_material(key_set.primary, key_set.key_id, material)
    for kms in key_set.replicas.values():
        _existing(kms, key_set.key_id, material)
    return key_set, material


def test_replicas_of_an_external_primary_start_pending_import(key_set: KeySet) -> None:
    primary = key_set.primary.describe_key(KeyId=key_set.key_id)["KeyMetadata"]
    replica = key_set.replicas["eu-west-1"].describe_key(KeyId=key_set.key_id)["KeyMetadata"]

    assert (primary["Origin"], replica["Origin"]) == ("EXTERNAL", "EXTERNAL")
    assert (primary["KeyState"], replica["KeyState"]) == ("PendingImport", "PendingImport")
    assert primary["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    assert replica["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert replica["MultiRegionConfiguration"]["PrimaryKey"]["Region"] == REGION
    listed = {r["Region"] for r in primary["MultiRegionConfiguration"]["ReplicaKeys"]}
    assert listed == {r["Region"] for r in replica["MultiRegionConfiguration"]["ReplicaKeys"]} == set(REPLICA_REGIONS)


def test_replicate_key_refusals(key_set: KeySet) -> None:
    single = key_set.primary.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    replica = key_set.replicas["eu-west-1"]

    assert error_code(lambda: key_set.primary.replicate_key(KeyId=key_set.key_id, ReplicaRegion="eu-west-1")) == (
        "AlreadyExistsException"
    )
    assert error_code(lambda: replica.replicate_key(KeyId=key_set.key_id, ReplicaRegion="eu-west-3")) == (
        "UnsupportedOperationException"
    )
    assert error_code(lambda: key_set.primary.replicate_key(KeyId=single, ReplicaRegion="eu-west-3")) == (
        "UnsupportedOperationException"
    )


def test_replica_takes_the_primarys_bytes_under_its_own_wrapping_key_and_decrypts_its_ciphertexts(
    key_set: KeySet,
) -> None:
    material = os.urandom(32)
    primary_material = import_material(key_set.primary, key_set.key_id, material)["KeyMaterialId"]
    sealed = key_set.primary.encrypt(KeyId=key_set.key_id, Plaintext=b"dr", EncryptionContext={"a": "b"})
    replica = key_set.replicas["eu-west-1"]
    own = get_parameters(replica, key_set.key_id)
    primary_params = get_parameters(key_set.primary, key_set.key_id)
    assert own["PublicKey"] != primary_params["PublicKey"]
    assert key_state(replica, key_set.key_id) == "PendingImport"
    assert _states(replica, key_set.key_id) == [(primary_material, "CURRENT", "PENDING_IMPORT")]

    replica_material = replica.import_key_material(
        KeyId=key_set.key_id,
        ImportToken=own["ImportToken"],
        EncryptedKeyMaterial=wrap(own["PublicKey"], "RSAES_OAEP_SHA_256", material),
        ImportType="EXISTING_KEY_MATERIAL",
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )["KeyMaterialId"]

    assert replica_material == primary_material
    assert key_state(replica, key_set.key_id) == "Enabled"
    opened = replica.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"a": "b"})
    assert (opened["Plaintext"], opened["KeyMaterialId"]) == (b"dr", primary_material)
    back = replica.encrypt(KeyId=key_set.key_id, Plaintext=b"back")["CiphertextBlob"]
    assert key_set.primary.decrypt(CiphertextBlob=back)["Plaintext"] == b"back"
    assert key_state(key_set.replicas["ap-southeast-2"], key_set.key_id) == "PendingImport"


def test_a_primarys_import_token_is_refused_by_a_replica(key_set: KeySet) -> None:
    material = os.urandom(32)
    import_material(key_set.primary, key_set.key_id, material)
    params = get_parameters(key_set.primary, key_set.key_id)
    replica = key_set.replicas["eu-west-1"]

    code = error_code(
        lambda: replica.import_key_material(
            KeyId=key_set.key_id,
            ImportToken=params["ImportToken"],
            EncryptedKeyMaterial=wrap(params["PublicKey"], "RSAES_OAEP_SHA_256", material),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
    )

    assert code == "InvalidImportTokenException"


def test_material_that_differs_from_the_primarys_is_refused(key_set: KeySet) -> None:
    replica = key_set.replicas["eu-west-1"]
    assert error_code(lambda: import_material(replica, key_set.key_id, os.urandom(32))) == (
        "UnsupportedOperationException"  # nothing to match yet: new material goes into the primary
    )
    material_id = import_material(key_set.primary, key_set.key_id, os.urandom(32))["KeyMaterialId"]

    assert error_code(lambda: _existing(replica, key_set.key_id, os.urandom(32))) == "IncorrectKeyMaterialException"
    assert error_code(
        lambda: import_material(
            replica, key_set.key_id, os.urandom(32), ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=material_id
        )
    ) == ("IncorrectKeyMaterialException")
    assert error_code(lambda: _new(replica, key_set.key_id, os.urandom(32))) == "UnsupportedOperationException"
    assert key_state(replica, key_set.key_id) == "PendingImport"


def test_rotation_waits_for_every_replica_then_makes_the_new_material_current_everywhere(
    imported_set: tuple[KeySet, bytes],
) -> None:
    key_set, _ = imported_set
    key_id = key_set.key_id
    old = _current(key_set.primary, key_id)
    sealed_before = {region: kms.encrypt(KeyId=key_id, Plaintext=region.encode()) for region, kms in
                     [(REGION, key_set.primary), *key_set.replicas.items()]}  # fmt: skip
    material = os.urandom(32)

    new = _new(key_set.primary, key_id, material)

    waiting = (new, "PENDING_MULTI_REGION_IMPORT_AND_ROTATION")
    assert _states(key_set.primary, key_id)[-1] == (*waiting, "IMPORTED")
    for kms in key_set.replicas.values():
        assert _states(kms, key_id)[-1] == (*waiting, "PENDING_IMPORT")
        assert key_state(kms, key_id) == "Enabled"  # pending material does not take a key down
    assert error_code(lambda: key_set.primary.rotate_key_on_demand(KeyId=key_id)) == "KMSInvalidStateException"

    _existing(key_set.replicas["eu-west-1"], key_id, material)
    assert _states(key_set.replicas["eu-west-1"], key_id)[-1] == (new, "PENDING_ROTATION", "IMPORTED")
    assert _states(key_set.primary, key_id)[-1][1] == "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    _existing(key_set.replicas["ap-southeast-2"], key_id, material)
    assert _states(key_set.primary, key_id)[-1] == (new, "PENDING_ROTATION", "IMPORTED")
    replica = key_set.replicas["eu-west-1"]
    assert error_code(lambda: replica.rotate_key_on_demand(KeyId=key_id)) == "UnsupportedOperationException"

    key_set.primary.rotate_key_on_demand(KeyId=key_id)

    for kms in key_set.everywhere:
        assert _current(kms, key_id) == new
        assert _states(kms, key_id) == [(old, "NON_CURRENT", "IMPORTED"), (new, "CURRENT", "IMPORTED")]
        assert [r["KeyMaterialId"] for r in kms.list_key_rotations(KeyId=key_id)["Rotations"]] == [new]
        fresh = kms.encrypt(KeyId=key_id, Plaintext=b"after")["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=fresh)["KeyMaterialId"] == new
        for region, sealed in sealed_before.items():
            opened = kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"])
            assert (opened["Plaintext"], opened["KeyMaterialId"]) == (region.encode(), old)


def test_deleting_pending_material_on_the_primary_deletes_it_on_the_replicas(
    imported_set: tuple[KeySet, bytes],
) -> None:
    key_set, _ = imported_set
    key_id = key_set.key_id
    pending = _stage(key_set, os.urandom(32), ("eu-west-1",))

    key_set.primary.delete_imported_key_material(KeyId=key_id, KeyMaterialId=pending)

    for kms in key_set.everywhere:
        assert [state for _, state, _ in _states(kms, key_id)] == ["CURRENT"]
        assert key_state(kms, key_id) == "Enabled"
    assert _new(key_set.primary, key_id, os.urandom(32)) != pending  # room for another new material


def test_deleting_pending_material_on_a_replica_leaves_the_others_and_the_primary_waits_again(
    imported_set: tuple[KeySet, bytes],
) -> None:
    key_set, _ = imported_set
    key_id = key_set.key_id
    material = os.urandom(32)
    pending = _stage(key_set, material, REPLICA_REGIONS)
    assert _states(key_set.primary, key_id)[-1][1] == "PENDING_ROTATION"

    key_set.replicas["eu-west-1"].delete_imported_key_material(KeyId=key_id, KeyMaterialId=pending)

    waiting = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    assert _states(key_set.replicas["eu-west-1"], key_id)[-1] == (pending, waiting, "PENDING_IMPORT")
    assert _states(key_set.replicas["ap-southeast-2"], key_id)[-1] == (pending, "PENDING_ROTATION", "IMPORTED")
    assert _states(key_set.primary, key_id)[-1] == (pending, waiting, "IMPORTED")
    _existing(key_set.replicas["eu-west-1"], key_id, material)
    key_set.primary.rotate_key_on_demand(KeyId=key_id)
    assert {_current(kms, key_id) for kms in key_set.everywhere} == {pending}


def test_key_states_of_a_set_are_independent(imported_set: tuple[KeySet, bytes]) -> None:
    key_set, material = imported_set
    key_id = key_set.key_id

    key_set.primary.delete_imported_key_material(KeyId=key_id)

    assert key_state(key_set.primary, key_id) == "PendingImport"
    assert [key_state(kms, key_id) for kms in key_set.replicas.values()] == ["Enabled", "Enabled"]
    _existing(key_set.primary, key_id, material)
    assert key_state(key_set.primary, key_id) == "Enabled"


def test_a_replica_added_after_rotations_lists_the_whole_history_pending_import(
    sandbox: LocalEndpoint, sandbox_kms: Any
) -> None:
    key_id = sandbox_kms.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]["KeyId"]
    first, second = os.urandom(32), os.urandom(32)
    import_material(sandbox_kms, key_id, first)
    second_id = _new(sandbox_kms, key_id, second)
    sandbox_kms.rotate_key_on_demand(KeyId=key_id)

    sandbox_kms.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")

    replica = client(sandbox, "kms", "eu-west-1")
    assert [(s, i) for _, s, i in _states(replica, key_id)] == [
        ("NON_CURRENT", "PENDING_IMPORT"),
        ("CURRENT", "PENDING_IMPORT"),
    ]
    _existing(replica, key_id, second)
    assert key_state(replica, key_id) == "PendingImport"  # every material of the key must be imported
    _existing(replica, key_id, first)
    assert (key_state(replica, key_id), _current(replica, key_id)) == ("Enabled", second_id)


def test_the_set_shares_the_25_rotation_limit(sandbox: LocalEndpoint, sandbox_kms: Any) -> None:
    key_id = sandbox_kms.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]["KeyId"]
    sandbox_kms.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")
    replica = client(sandbox, "kms", "eu-west-1")
    first = os.urandom(32)
    import_material(sandbox_kms, key_id, first)
    _existing(replica, key_id, first)
    for _ in range(25):
        material = os.urandom(32)
        _new(sandbox_kms, key_id, material)
        _existing(replica, key_id, material)
        sandbox_kms.rotate_key_on_demand(KeyId=key_id)

    assert len(replica.list_key_rotations(KeyId=key_id, Limit=1000)["Rotations"]) == 25
    assert error_code(lambda: _new(sandbox_kms, key_id, os.urandom(32))) == "LimitExceededException"
    assert error_code(lambda: sandbox_kms.rotate_key_on_demand(KeyId=key_id)) == "LimitExceededException"
