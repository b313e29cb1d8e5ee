"""Generate in each token, wrap inside the token, import into the local KMS: happy path, resume, refusals."""

from __future__ import annotations

import uuid

import pytest

from byok.canary import make_canary, verify_canary
from byok.errors import ImportTokenExpired, KeyNotExternal, KeyWrongState, MaterialConflict
from byok.importer import MaterialImporter
from byok.model import KeyMaterialState, KeyState
from byok.sandbox import clock


def new_key(kms, name: str | None = None):
    alias = f"alias/it-{name or uuid.uuid4().hex[:10]}"
    key = kms.create_external_key(f"integration {alias}")
    kms.create_alias(alias, key.key_id)
    return alias, key


def test_first_import_makes_the_key_usable_with_the_hsm_material(importer, kms, hsm, token, imported_check_value):
    alias, key = new_key(kms)
    assert kms.describe(alias).state == KeyState.PENDING_IMPORT
    plan = importer.plan(alias)
    assert plan.steps == ["generate", "get-parameters", "wrap", "import"]
    outcome = importer.execute(plan, valid_to=None)
    assert outcome.algorithm == token.kind.wraps_with[0]  # opencryptoki: RSAES_OAEP_SHA_256, end to end
    assert outcome.material_state == KeyMaterialState.CURRENT
    assert kms.describe(alias).state == KeyState.ENABLED
    assert kms.describe(alias).current_material_id == outcome.material_id
    if token.lacks("check-value"):  # the audit fingerprint is KeyMaterialId + HSM label
        assert outcome.check_value == "" and hsm.find_material(outcome.label).check_value is None
        assert [m.description for m in kms.list_materials(alias)] == [f"byok label:{outcome.label}"]
    else:
        assert imported_check_value(key.key_id, outcome.material_id) == outcome.check_value
        assert hsm.find_material(outcome.label).check_value == outcome.check_value


def test_in_place_rotation_keeps_old_ciphertexts_and_uses_the_new_material(importer, kms):
    alias, _ = new_key(kms)
    first = importer.execute(importer.plan(alias), valid_to=None)
    canary = make_canary(kms, alias, "before")
    plan = importer.plan(alias, rotate=True)
    assert plan.steps == ["generate", "get-parameters", "wrap", "import", "rotate"]
    second = importer.execute(plan, valid_to=None)
    assert second.material_state == KeyMaterialState.CURRENT
    assert verify_canary(kms, canary) == first.material_id
    assert make_canary(kms, alias, "after").material_id == second.material_id
    states = {m.material_id: m.state for m in kms.list_materials(alias)}
    assert states == {first.material_id: KeyMaterialState.NON_CURRENT, second.material_id: KeyMaterialState.CURRENT}


def test_crash_after_generate_resumes_with_the_same_hsm_object(importer, kms, hsm):
    alias, key = new_key(kms)
    importer.execute(importer.plan(alias), valid_to=None)
    crashed = importer.plan(alias)
    hsm.generate_material(crashed.label)  # the run died right after generating
    resumed = importer.plan(alias)
    assert resumed.label == crashed.label
    assert resumed.steps == ["get-parameters", "wrap", "import", "rotate"]
    importer.execute(resumed, valid_to=None)
    assert len(hsm.list_materials(f"byok/{key.key_id}/")) == 2
    assert len(kms.list_materials(alias)) == 2


def test_crash_between_import_and_rotate_only_rotates(importer, kms, hsm):
    alias, key = new_key(kms)
    importer.execute(importer.plan(alias), valid_to=None)
    pending = importer.execute(importer.plan(alias, rotate=False), valid_to=None)
    assert pending.material_state == KeyMaterialState.PENDING_ROTATION
    resumed = importer.plan(alias, label=pending.label, rotate=True)
    assert resumed.steps == ["rotate"]
    done = importer.execute(resumed, valid_to=None)
    assert done.material_id == pending.material_id and done.material_state == KeyMaterialState.CURRENT
    again = importer.plan(alias, label=pending.label, rotate=True)
    assert again.steps == []  # a third run changes nothing
    assert len(kms.list_materials(alias)) == 2 and len(hsm.list_materials(f"byok/{key.key_id}/")) == 2


def test_expired_import_token_fails_clearly_and_a_rerun_finishes(importer, kms, hsm):
    alias, key = new_key(kms)
    plan = importer.plan(alias)

    def expire_after_fetch(step: str) -> None:
        if step == "wrap":
            clock.advance(24 * 3600 + 1)

    try:
        with pytest.raises(ImportTokenExpired) as caught:
            importer.execute(plan, valid_to=None, progress=expire_after_fetch)
    finally:
        clock.reset()
    assert "run the command again" in str(caught.value)
    assert kms.describe(alias).state == KeyState.PENDING_IMPORT
    rerun = importer.plan(alias)
    assert rerun.label == plan.label and not rerun.generate
    importer.execute(rerun, valid_to=None)
    assert kms.describe(alias).state == KeyState.ENABLED
    assert len(hsm.list_materials(f"byok/{key.key_id}/")) == 1


def test_a_key_kms_generated_is_refused(importer, kms, endpoint):
    import boto3

    client = boto3.client("kms", endpoint_url=endpoint.url, region_name="eu-central-1")
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(KeyNotExternal, match="origin AWS_KMS"):
        importer.plan(key_id)


def test_a_key_pending_deletion_is_refused_and_nothing_is_generated(importer, kms, hsm, endpoint):
    import boto3

    alias, key = new_key(kms)
    boto3.client("kms", endpoint_url=endpoint.url, region_name="eu-central-1").schedule_key_deletion(
        KeyId=key.key_id, PendingWindowInDays=30
    )
    with pytest.raises(KeyWrongState, match="PendingDeletion"):
        importer.plan(alias)
    assert hsm.list_materials(f"byok/{key.key_id}/") == []


@pytest.mark.needs("check-value")
def test_material_whose_check_value_backs_another_key_is_refused(hsm, kms):
    """The journal's second witness: an object relabelled onto this key keeps its check value."""
    alias, key = new_key(kms)
    other_alias, other = new_key(kms)
    relabelled = hsm.generate_material(f"byok/{key.key_id}/m1")  # as if relabelled from the other key
    importer = MaterialImporter(hsm, kms, hsm.choose_algorithm(), claims={relabelled.check_value: other.arn})
    with pytest.raises(MaterialConflict, match=f"already backs {other.arn}"):
        importer.plan(alias)
    assert kms.describe(alias).state == KeyState.PENDING_IMPORT
    assert MaterialImporter(hsm, kms, hsm.choose_algorithm(), claims={relabelled.check_value: key.arn}).plan(alias)
