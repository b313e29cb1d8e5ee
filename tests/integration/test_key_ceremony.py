"""Trusted wrapping (key-ceremony mode) against the attack a user-PIN holder could run on the material.

Seen: anyone with the user PIN could create a session public key with CKA_WRAP, wrap the material under
it and decrypt the result outside the HSM. With the mode on, the material is CKA_WRAP_WITH_TRUSTED and that
wrap fails with CKR_KEY_NOT_WRAPPABLE; the import still works once the security officer approved the KMS
wrapping key (and, for RSA_AES, the trusted ephemeral AES key).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import PyKCS11
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from byok.errors import ApprovalPending, TrustedWrappingUnavailable
from byok.hsm import Pkcs11Hsm
from byok.hsm.wrapping import public_key_template
from byok.importer import MaterialImporter
from byok.material_policy import TrustedWrapping
from byok.model import KeyMaterialState
from byok.pending_imports import PendingImports
from byok.renewal import MaterialRenewer


def _attack(hsm: Pkcs11Hsm, label: str) -> bytes:
    """What a user-PIN holder can do: wrap the material under their own key and decrypt it outside the HSM."""
    own = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def wrap_out(session: PyKCS11.Session) -> bytes:
        public = session.createObject(public_key_template(own.public_key().public_numbers(), "attacker"))
        try:
            (material,) = session.findObjects([(PyKCS11.CKA_LABEL, label)])
            oaep = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA_1, PyKCS11.CKG_MGF1_SHA1)
            return bytes(session.wrapKey(public, material, oaep))
        finally:
            session.destroyObject(public)

    wrapped = hsm._connection.run(wrap_out)
    sha1 = hashes.SHA1()  # noqa: S303 - the mechanism every token here runs
    return own.decrypt(wrapped, padding.OAEP(mgf=padding.MGF1(sha1), algorithm=sha1, label=None))


def _key(kms):
    key = kms.create_external_key(f"ceremony {uuid.uuid4().hex[:8]}")
    return key, f"byok/{key.key_id}/m1"


def test_without_the_mode_a_pin_holder_gets_the_material_out(hsm, kms, token):
    key, label = _key(kms)
    material = hsm.generate_material(label)
    stolen = _attack(hsm, label)
    assert len(stolen) == 32 and not material.wrap_with_trusted
    if material.check_value:
        encryptor = Cipher(algorithms.AES(stolen), modes.ECB()).encryptor()  # noqa: S305
        assert (encryptor.update(bytes(16)) + encryptor.finalize())[:3].hex() == material.check_value


@pytest.mark.needs("trusted-wrapping")
def test_with_the_mode_the_attack_fails_and_the_approved_import_works(settings, user_pin, token, kms, tmp_path):
    with Pkcs11Hsm.open(settings, user_pin, trusted_wrapping=TrustedWrapping.WHEN_SUPPORTED) as hsm:
        key, label = _key(kms)
        pending = PendingImports(tmp_path)
        importer = MaterialImporter(hsm, kms, hsm.choose_algorithm(), pending=pending)
        plan = importer.plan(key.arn)
        with pytest.raises(ApprovalPending) as stopped:
            importer.execute(plan, valid_to=None)
        assert "approve-wrapping-key" in str(stopped.value) and key.arn in str(stopped.value)
        assert hsm.find_material(label).wrap_with_trusted
        with pytest.raises(PyKCS11.PyKCS11Error) as refused:
            _attack(hsm, label)
        assert refused.value.value == PyKCS11.CKR_KEY_NOT_WRAPPABLE

        waiting = pending.load(key.arn)
        assert waiting is not None and waiting.label == label
    with Pkcs11Hsm.open_as_security_officer(settings, token.so_pin) as officer:
        officer.approve_wrapping_key(waiting.params)
    with Pkcs11Hsm.open(settings, user_pin, trusted_wrapping=TrustedWrapping.WHEN_SUPPORTED) as hsm:
        importer = MaterialImporter(hsm, kms, hsm.choose_algorithm(), pending=pending)
        resumed = importer.plan(key.arn)
        assert resumed.label == label and not resumed.generate
        outcome = importer.execute(resumed, valid_to=None)
        assert outcome.material_state == KeyMaterialState.CURRENT
        assert pending.load(key.arn) is None
        approved_left = hsm._connection.run(
            lambda session: session.findObjects([(PyKCS11.CKA_TRUSTED, True), (PyKCS11.CKA_TOKEN, True)])
        )
        assert list(approved_left) == []  # the trusted objects served one import and are gone
        with pytest.raises(PyKCS11.PyKCS11Error):
            _attack(hsm, label)


@pytest.mark.needs("trusted-wrapping")
def test_a_user_cannot_make_a_key_trusted(hsm):
    """Only the SO may set CKA_TRUSTED; otherwise the mode would be worth nothing against the user PIN."""
    own = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    template = dict(public_key_template(own, "self-trusted"))
    template[PyKCS11.CKA_TRUSTED] = True
    with pytest.raises(PyKCS11.PyKCS11Error):
        hsm._connection.run(lambda session: session.createObject(list(template.items())))


def test_the_probe_and_the_journal_say_what_the_token_did_with_the_attributes(settings, user_pin, token):
    with Pkcs11Hsm.open(settings, user_pin, trusted_wrapping=TrustedWrapping.WHEN_SUPPORTED) as hsm:
        support, note = hsm.trusted_support(), hsm.ceremony_note()
    if token.lacks("trusted-wrapping"):
        assert not support.available and set(support.refused) == {"CKA_WRAP_WITH_TRUSTED", "CKA_COPYABLE"}
        assert note.startswith("trusted wrapping unavailable on this token (CKA_WRAP_WITH_TRUSTED: CKR_ATTRIBUTE")
    else:
        assert support.available and support.accepted == ("CKA_WRAP_WITH_TRUSTED", "CKA_COPYABLE")
        assert note == "key-ceremony mode (CKA_WRAP_WITH_TRUSTED)"


def test_required_mode_on_a_token_without_it_is_refused_before_anything_is_made(settings, user_pin, token, kms):
    with Pkcs11Hsm.open(settings, user_pin, trusted_wrapping=TrustedWrapping.REQUIRED) as hsm:
        if not token.lacks("trusted-wrapping"):
            assert hsm.key_ceremony()
            return
        key, label = _key(kms)
        with pytest.raises(TrustedWrappingUnavailable, match="cannot enforce it .*CKA_WRAP_WITH_TRUSTED"):
            hsm.generate_material(label)
        assert hsm.find_material(label) is None


@pytest.mark.needs("trusted-wrapping")
def test_renewal_of_ceremony_material_waits_for_approval_too(settings, user_pin, token, kms, tmp_path):
    """The same material re-imported (EXISTING_KEY_MATERIAL) leaves the HSM only under an approved key as well."""
    pending = PendingImports(tmp_path)
    key, _ = _key(kms)

    def approve() -> None:
        waiting = pending.load(key.arn)
        with Pkcs11Hsm.open_as_security_officer(settings, token.so_pin) as officer:
            officer.approve_wrapping_key(waiting.params)

    def user() -> Pkcs11Hsm:
        return Pkcs11Hsm.open(settings, user_pin, trusted_wrapping=TrustedWrapping.WHEN_SUPPORTED)

    with user() as hsm, pytest.raises(ApprovalPending):
        importer = MaterialImporter(hsm, kms, hsm.choose_algorithm(), pending=pending)
        importer.execute(importer.plan(key.arn), valid_to=datetime.now(UTC) + timedelta(days=10))
    approve()
    with user() as hsm:
        importer = MaterialImporter(hsm, kms, hsm.choose_algorithm(), pending=pending)
        imported = importer.execute(importer.plan(key.arn), valid_to=datetime.now(UTC) + timedelta(days=10))
    with user() as hsm:
        renewer = MaterialRenewer(hsm, kms, hsm.choose_algorithm(), pending=pending)
        (renewal,) = renewer.plan(key.arn, datetime.now(UTC), timedelta(days=30))
        with pytest.raises(ApprovalPending):
            renewer.renew(renewal, datetime.now(UTC) + timedelta(days=300))
    approve()
    with user() as hsm:
        renewer = MaterialRenewer(hsm, kms, hsm.choose_algorithm(), pending=pending)
        (renewal,) = renewer.plan(key.arn, datetime.now(UTC), timedelta(days=30))
        assert renewer.renew(renewal, datetime.now(UTC) + timedelta(days=300)) == imported.material_id
    (material,) = kms.list_materials(key.arn)
    assert material.valid_to > datetime.now(UTC) + timedelta(days=200) and pending.load(key.arn) is None
