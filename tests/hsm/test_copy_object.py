"""C_CopyObject against the material: the other way a user-PIN holder could get a usable copy of it.

Seen: on opencryptoki a C_CopyObject of the material with CKA_ENCRYPT=true succeeds. In key-ceremony mode the
material carries CKA_COPYABLE=false where the token accepts it, and then no copy is made, whatever the template;
where the token refuses the attribute, ``hsm probe`` and the journal say so, and the test below proves that
report true by making the copy. PyKCS11 1.5.20 has no C_CopyObject: it runs through ctypes on the library
PyKCS11 already loaded, in PyKCS11's own session (support/copy_object.py).
"""

from __future__ import annotations

import uuid

import PyKCS11
import pytest

from byok.hsm import Pkcs11Hsm
from byok.material_policy import TrustedWrapping
from support.copy_object import copy_object

ENCRYPTING = {PyKCS11.CKA_ENCRYPT: True}
TEMPLATES = {"exact": {}, "encrypting": ENCRYPTING, "extractable": {PyKCS11.CKA_EXTRACTABLE: True}}


def copy_material(hsm: Pkcs11Hsm, module: str, label: str, attributes: dict[int, bool]) -> int | None:
    """None when the copy was made (it is destroyed again at once), else the token's CKR_ code."""

    def attempt(session: PyKCS11.Session) -> int | None:
        (material,) = session.findObjects([(PyKCS11.CKA_LABEL, label)])
        try:
            copied = copy_object(module, session, material, attributes)
        except PyKCS11.PyKCS11Error as refused:
            return refused.value
        try:
            assert session.getAttributeValue(copied, [PyKCS11.CKA_LABEL]) == [label]  # a real copy of the material
        finally:
            session.destroyObject(copied)
        return None

    return hsm._connection.run(attempt)


def ceremony_material(settings, user_pin: str, module: str, attributes: dict[int, bool]):
    """Generate material in key-ceremony mode, try the copy; (what the probe said, the copy's outcome)."""
    with Pkcs11Hsm.open(settings, user_pin, trusted_wrapping=TrustedWrapping.WHEN_SUPPORTED) as hsm:
        support = hsm.trusted_support()
        label = f"copy-{uuid.uuid4().hex[:8]}"
        hsm.generate_material(label)
        return support, copy_material(hsm, module, label, attributes)


def test_an_exact_copy_of_ordinary_material_is_made(hsm, token):
    """The control: the ctypes call works on this token, so a refusal below is the token's answer to the template."""
    label = f"copy-{uuid.uuid4().hex[:8]}"
    hsm.generate_material(label)
    assert copy_material(hsm, token.module, label, {}) is None


@pytest.mark.needs("trusted-wrapping")
@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_ceremony_material_is_never_copied_where_the_token_honours_copyable(settings, user_pin, token, template):
    support, refused = ceremony_material(settings, user_pin, token.module, template)
    assert "CKA_COPYABLE" in support.accepted
    assert refused == PyKCS11.CKR_ACTION_PROHIBITED, PyKCS11.CKR[refused] if refused else "copied"


def test_the_probe_reports_a_token_that_would_make_an_encrypting_copy(settings, user_pin, token):
    """A copy with CKA_ENCRYPT=true is made exactly where the probe says the token refused CKA_COPYABLE."""
    support, refused = ceremony_material(settings, user_pin, token.module, ENCRYPTING)
    assert (refused is None) == ("CKA_COPYABLE" in support.refused), (support, refused)
    assert (refused is None) == token.lacks("trusted-wrapping")  # opencryptoki 3.8.1 copies it, SoftHSM2 does not
