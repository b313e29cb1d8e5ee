"""Material lifecycle on each real token: labels stay unique, values never leave in the clear."""

from __future__ import annotations

import PyKCS11
import pytest

from byok.config import HsmSettings
from byok.errors import HsmError, MaterialNotFound
from byok.hsm import Pkcs11Hsm
from byok.hsm.pkcs11 import label_id
from byok.hsm.wrapping import secret_aes256_template
from byok.model import HsmMaterial


def test_generate_find_list_destroy(hsm: Pkcs11Hsm, token) -> None:
    first = hsm.generate_material("life-dev-s3-1")
    second = hsm.generate_material("life-dev-s3-2")
    hsm.generate_material("other-prod-rds-1")

    if token.lacks("check-value"):
        assert first.check_value is None and second.check_value is None  # label (+ CKA_UNIQUE_ID) identify it
    else:
        assert len(first.check_value) == 6 and first.check_value != second.check_value
    assert hsm.find_material("life-dev-s3-1") == first
    assert hsm.list_materials("life-") == [first, second]
    assert {material.label for material in hsm.list_materials()} >= {"life-dev-s3-1", "other-prod-rds-1"}

    hsm.destroy_material("life-dev-s3-1")
    assert hsm.find_material("life-dev-s3-1") is None
    assert hsm.list_materials("life-") == [second]
    with pytest.raises(MaterialNotFound, match="no material labelled 'life-dev-s3-1'"):
        hsm.destroy_material("life-dev-s3-1")


def test_duplicate_label_is_refused_and_the_original_kept(hsm: Pkcs11Hsm) -> None:
    original = hsm.generate_material("dup-1")
    with pytest.raises(HsmError, match="already holds material labelled 'dup-1'"):
        hsm.generate_material("dup-1")
    assert hsm.list_materials("dup-") == [original]


@pytest.mark.parametrize("label", ["", " padded", "padded "])
def test_unusable_labels_are_refused(hsm: Pkcs11Hsm, label: str) -> None:
    with pytest.raises(HsmError, match="empty or padded"):
        hsm.generate_material(label)


def test_material_attributes(hsm: Pkcs11Hsm) -> None:
    hsm.generate_material("attrs-1")

    def read(session: PyKCS11.Session) -> tuple[list, int]:
        (handle,) = session.findObjects([(PyKCS11.CKA_LABEL, "attrs-1")])
        names = [
            PyKCS11.CKA_TOKEN,
            PyKCS11.CKA_PRIVATE,
            PyKCS11.CKA_SENSITIVE,
            PyKCS11.CKA_EXTRACTABLE,
            PyKCS11.CKA_ENCRYPT,
            PyKCS11.CKA_DECRYPT,
            PyKCS11.CKA_WRAP,
            PyKCS11.CKA_UNWRAP,
            PyKCS11.CKA_SIGN,
            PyKCS11.CKA_VERIFY,
            PyKCS11.CKA_MODIFIABLE,
            PyKCS11.CKA_VALUE_LEN,
            PyKCS11.CKA_KEY_TYPE,
            PyKCS11.CKA_ID,
        ]
        values = session.getAttributeValue(handle, names)
        # Ask the C API directly: PyKCS11's getAttributeValue would hide the refusal behind [None].
        template = PyKCS11.LowLevel.ckattrlist(1)
        template[0].SetType(PyKCS11.CKA_VALUE)
        return values, session.lib.C_GetAttributeValue(session.session, handle, template)

    values, value_rv = hsm._connection.run(read)
    assert values[:11] == [True, True, True, True] + [False] * 7
    assert values[11:13] == [32, PyKCS11.CKK_AES]
    assert bytes(values[13]) == label_id("attrs-1")
    assert value_rv == PyKCS11.CKR_ATTRIBUTE_SENSITIVE


def test_check_value_is_stable_across_lookups_and_sessions(
    hsm: Pkcs11Hsm, settings: HsmSettings, user_pin: str
) -> None:
    generated = hsm.generate_material("kcv-1")
    assert hsm.find_material("kcv-1") == generated
    with Pkcs11Hsm.open(settings, user_pin) as other:
        assert other.find_material("kcv-1") == generated


def test_generate_resumes_when_the_session_dies_after_the_object_was_made(
    hsm: Pkcs11Hsm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry must return the object the lost call made, not refuse its label as a duplicate."""
    hsm.wrapping_capabilities()  # the probe (its own session keys) runs before any material is generated
    generate = PyKCS11.Session.generateKey

    def generate_then_lose_session(session: PyKCS11.Session, *args: object) -> None:
        handle = generate(session, *args)
        session.closeSession()
        del handle  # a token object: it outlives the session
        raise PyKCS11.PyKCS11Error(PyKCS11.CKR_SESSION_HANDLE_INVALID)

    monkeypatch.setattr(PyKCS11.Session, "generateKey", generate_then_lose_session)
    material = hsm.generate_material("resume-1")
    monkeypatch.undo()

    assert hsm.list_materials("resume-") == [material]
    assert isinstance(material, HsmMaterial)


def test_destroy_resumes_when_the_session_dies_after_the_object_went(
    hsm: Pkcs11Hsm, monkeypatch: pytest.MonkeyPatch
) -> None:
    hsm.generate_material("gone-1")
    destroy = PyKCS11.Session.destroyObject

    def destroy_then_lose_session(session: PyKCS11.Session, handle: object) -> None:
        destroy(session, handle)
        session.closeSession()
        raise PyKCS11.PyKCS11Error(PyKCS11.CKR_SESSION_CLOSED)

    monkeypatch.setattr(PyKCS11.Session, "destroyObject", destroy_then_lose_session)
    hsm.destroy_material("gone-1")
    monkeypatch.undo()
    assert hsm.find_material("gone-1") is None


def test_a_label_two_objects_share_is_reported_not_guessed(hsm: Pkcs11Hsm) -> None:
    hsm.generate_material("twin-1")
    hsm._connection.run(  # what another tool could do behind byok's back
        lambda session: session.generateKey(secret_aes256_template("twin-1", token=True, wrap=False))
    )
    with pytest.raises(HsmError, match="holds 2 objects labelled 'twin-1' -> keep the one KMS holds"):
        hsm.find_material("twin-1")
