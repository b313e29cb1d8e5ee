"""Re-import of expiring material: every material of the key, the same bytes re-wrapped by the HSM."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from byok.canary import make_canary, verify_canary
from byok.errors import KeyWrongState
from byok.importer import material_description
from byok.model import HsmMaterial, ImportState, ImportType, KeyMaterialState, KeyState
from byok.renewal import MaterialRenewer
from byok.sandbox import clock


@pytest.fixture
def renewer(hsm, kms):
    return MaterialRenewer(hsm, kms, hsm.choose_algorithm())


@pytest.fixture(autouse=True)
def real_time():
    yield
    clock.reset()


def rotated_key(kms, importer, first_valid_to):
    alias = f"alias/renew-{uuid.uuid4().hex[:8]}"
    key = kms.create_external_key("renewal test")
    kms.create_alias(alias, key.key_id)
    first = importer.execute(importer.plan(alias), valid_to=first_valid_to)
    canary = make_canary(kms, alias, "old")
    second = importer.execute(importer.plan(alias, rotate=True), valid_to=None)
    return alias, first, second, canary


def test_an_expiring_non_current_material_is_found_and_renewed(kms, importer, renewer):
    now = clock.now()
    alias, first, second, canary = rotated_key(kms, importer, now + timedelta(days=3))
    plan = renewer.plan(alias, now, timedelta(days=30))
    assert [(r.material.material_id, r.material.state) for r in plan] == [
        (first.material_id, KeyMaterialState.NON_CURRENT)
    ]
    new_expiry = now + timedelta(days=300)
    assert renewer.renew(plan[0], new_expiry) == first.material_id
    listed = {m.material_id: m for m in kms.list_materials(alias)}
    assert abs(listed[first.material_id].valid_to - new_expiry) < timedelta(seconds=1)
    assert renewer.plan(alias, now, timedelta(days=30)) == []
    assert verify_canary(kms, canary) == first.material_id


def test_an_expired_material_takes_the_key_down_and_renewal_restores_it(kms, importer, renewer):
    now = clock.now()
    alias, first, second, canary = rotated_key(kms, importer, now + timedelta(days=1))
    clock.advance(2 * 86400)
    assert kms.describe(alias).state == KeyState.PENDING_IMPORT
    plan = renewer.plan(alias, clock.now(), timedelta(days=30))
    assert len(plan) == 1 and plan[0].material.import_state == ImportState.PENDING_IMPORT
    renewer.renew(plan[0], None)
    assert kms.describe(alias).state == KeyState.ENABLED
    assert verify_canary(kms, canary) == first.material_id
    assert make_canary(kms, alias, "new").material_id == second.material_id


def test_a_new_import_is_refused_while_a_material_is_missing(kms, importer):
    alias, first, _, _ = rotated_key(kms, importer, clock.now() + timedelta(days=1))
    clock.advance(2 * 86400)
    with pytest.raises(KeyWrongState, match="byok material renew"):
        importer.plan(alias)


def test_material_not_imported_by_byok_cannot_be_renewed(kms, hsm, renewer, importer):
    alias = f"alias/renew-{uuid.uuid4().hex[:8]}"
    key = kms.create_external_key("foreign")
    kms.create_alias(alias, key.key_id)
    material = hsm.generate_material(f"foreign/{key.key_id}")
    params = kms.get_import_parameters(key.arn, importer.algorithm.algorithm, importer.wrapping_key_spec)
    wrapped = hsm.wrap(material.label, params.public_key_der, importer.algorithm.algorithm)
    kms.import_material(
        params, wrapped, import_type=ImportType.NEW_KEY_MATERIAL, valid_to=clock.now() + timedelta(days=2)
    )
    with pytest.raises(KeyWrongState, match="was not imported by byok"):
        renewer.plan(alias, clock.now(), timedelta(days=30))
    assert material_description(HsmMaterial("x", "abcdef")) == "byok label:x kcv:abcdef"
