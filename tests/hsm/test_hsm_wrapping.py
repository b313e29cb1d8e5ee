"""What each token can wrap with, how the choice is made, and that wrapping leaves nothing behind.

SoftHSM2 2.6.1 runs RSA-OAEP with SHA-1 only and has CKM_AES_KEY_WRAP_PAD; opencryptoki 3.8.1 runs
RSA-OAEP with SHA-256 but has no AES key wrap at all. Neither has CKM_RSA_AES_KEY_WRAP, so the
native mechanism is only checked for being excluded and refused here.
"""

from __future__ import annotations

from collections.abc import Callable

import PyKCS11
import pytest

from byok.config import HsmSettings
from byok.errors import HsmError, MechanismUnsupported
from byok.hsm import Pkcs11Hsm
from byok.hsm.algorithms import ProbeResult, choose, describe, probe
from byok.hsm.wrapping import WrapPlan, wrap_key
from byok.model import WrappingAlgorithm as Alg

ALGORITHMS_TESTED = [
    pytest.param(Alg.RSA_AES_KEY_WRAP_SHA_1, marks=pytest.mark.needs("aes-key-wrap")),
    pytest.param(Alg.RSAES_OAEP_SHA_256, marks=pytest.mark.needs("rsa-oaep-sha256")),
    Alg.RSAES_OAEP_SHA_1,
]


def test_probe_finds_what_the_token_really_does(hsm: Pkcs11Hsm, token, count_objects: Callable[[], int]) -> None:
    before = count_objects()
    assert hsm.wrapping_capabilities() == list(token.kind.wraps_with)
    assert count_objects() == before
    assert "CKM_RSA_PKCS_OAEP" in hsm.token_info().mechanisms
    assert "CKM_ML_DSA" not in hsm.token_info().mechanisms  # PyKCS11 1.5.20 adds it to every list


def test_probe_runs_once_per_connection(hsm: Pkcs11Hsm, token, monkeypatch: pytest.MonkeyPatch) -> None:
    hsm.wrapping_capabilities()
    monkeypatch.setattr("byok.hsm.pkcs11.probe", lambda *args: pytest.fail("probed twice"))
    assert hsm.choose_algorithm().algorithm == token.kind.wraps_with[0]


def test_probe_creates_no_plaintext_key(hsm: Pkcs11Hsm, monkeypatch: pytest.MonkeyPatch) -> None:
    """FIPS-mode tokens and nShield refuse C_CreateObject of a secret key; the probe generates inside the token."""
    created = []
    original = PyKCS11.Session.createObject

    def record(session: PyKCS11.Session, template: list) -> object:
        created.append(dict(template).get(PyKCS11.CKA_CLASS))
        return original(session, template)

    monkeypatch.setattr(PyKCS11.Session, "createObject", record)
    assert hsm.wrapping_capabilities()
    assert created and PyKCS11.CKO_SECRET_KEY not in created  # only the probe's public RSA key is created


def test_a_token_refusing_the_probe_key_gives_a_probe_result(hsm: Pkcs11Hsm, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a token in FIPS mode answers a template it does not allow: a result naming the refusal, no crash."""

    def refuse(session: PyKCS11.Session, template: list, mecha: object = None) -> object:
        raise PyKCS11.PyKCS11Error(PyKCS11.CKR_TEMPLATE_INCONSISTENT)

    monkeypatch.setattr(PyKCS11.Session, "generateKey", refuse)
    with pytest.raises(MechanismUnsupported) as caught:
        hsm.choose_algorithm()
    assert "refused to generate a session AES-256 probe key (CKR_TEMPLATE_INCONSISTENT)" in str(caught.value)
    assert hsm.wrapping_capabilities() == []


@pytest.mark.needs("aes-key-wrap")
def test_choice_on_softhsm_is_a_visible_downgrade(hsm: Pkcs11Hsm) -> None:
    choice = hsm.choose_algorithm()
    assert choice.algorithm == Alg.RSA_AES_KEY_WRAP_SHA_1
    assert choice.downgraded and choice.strongest_known == Alg.RSA_AES_KEY_WRAP_SHA_256
    assert choice.reason.startswith("RSA_AES_KEY_WRAP_SHA_1 chosen, weaker than RSA_AES_KEY_WRAP_SHA_256")
    assert "RSAES_OAEP_SHA_256: RSA-OAEP with SHA-256 failed (CKR_ARGUMENTS_BAD)" in choice.reason


@pytest.mark.parametrize("forced", [Alg.RSA_AES_KEY_WRAP_SHA_256, Alg.RSA_AES_KEY_WRAP_SHA_1, Alg.RSAES_OAEP_SHA_256])
def test_forcing_an_algorithm_the_token_lacks_is_refused(hsm: Pkcs11Hsm, token, forced: Alg) -> None:
    if forced in token.kind.wraps_with:
        assert hsm.choose_algorithm(forced).algorithm == forced
        return
    with pytest.raises(MechanismUnsupported) as caught:
        hsm.choose_algorithm(forced)
    message = str(caught.value)
    assert "\n" not in message
    assert f"cannot wrap with {forced}: " in message and ("CKR_ARGUMENTS_BAD" in message or "CKR_MECHANISM" in message)
    assert f"the token can do {', '.join(token.kind.wraps_with)}" in message
    with pytest.raises(MechanismUnsupported):
        hsm.wrap("never-generated", b"", forced)


def test_forced_algorithm_from_config_is_used_when_possible(settings: HsmSettings, user_pin: str, token) -> None:
    forced = HsmSettings(settings.module, settings.token_label, forced_algorithm=Alg.RSAES_OAEP_SHA_1)
    with Pkcs11Hsm.open(forced, user_pin) as hsm:
        choice = hsm.choose_algorithm()
    assert choice.algorithm == Alg.RSAES_OAEP_SHA_1 and choice.downgraded
    assert choice.reason == (
        f"RSAES_OAEP_SHA_1 forced by configuration; the token can do {', '.join(token.kind.wraps_with)}"
    )


@pytest.mark.parametrize("bits", [2048, 3072, 4096])
@pytest.mark.parametrize("algorithm", ALGORITHMS_TESTED)
def test_wrap_output_length(hsm: Pkcs11Hsm, public_key_der, bits: int, algorithm: Alg) -> None:
    label = f"len-{bits}-{algorithm}"
    if hsm.find_material(label) is None:
        hsm.generate_material(label)
    wrapped = hsm.wrap(label, public_key_der(bits), algorithm)
    # RSA_AES: RSA part, then RFC 5649 of 32 bytes (32 + 8 bytes of integrity block)
    assert len(wrapped) == bits // 8 + (40 if algorithm.uses_aes_key_wrap else 0)


@pytest.mark.parametrize("algorithm", ALGORITHMS_TESTED)
def test_wrap_leaves_no_intermediate_objects(
    hsm: Pkcs11Hsm, public_key_der, count_objects: Callable[[], int], algorithm: Alg
) -> None:
    hsm.generate_material(f"clean-{algorithm}")
    hsm.wrapping_capabilities()
    before = count_objects()
    hsm.wrap(f"clean-{algorithm}", public_key_der(2048), algorithm)
    assert count_objects() == before


@pytest.mark.needs("aes-key-wrap")
def test_wrap_leaves_no_intermediate_objects_when_the_last_step_fails(
    hsm: Pkcs11Hsm, public_key_der, count_objects: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    hsm.generate_material("clean-fail")
    hsm.wrapping_capabilities()
    before = count_objects()
    original = PyKCS11.Session.wrapKey
    calls = []

    def fail_on_aes_step(session: PyKCS11.Session, wrapping_key: object, key: object, mecha: object) -> object:
        calls.append(mecha)
        if len(calls) == 2:  # the ephemeral key is wrapped; the public key and the ephemeral key exist now
            raise PyKCS11.PyKCS11Error(PyKCS11.CKR_DEVICE_ERROR)
        return original(session, wrapping_key, key, mecha)

    monkeypatch.setattr(PyKCS11.Session, "wrapKey", fail_on_aes_step)
    with pytest.raises(HsmError, match="wrapping 'clean-fail' with RSA_AES_KEY_WRAP_SHA_1 failed .*CKR_DEVICE_ERROR"):
        hsm.wrap("clean-fail", public_key_der(2048), Alg.RSA_AES_KEY_WRAP_SHA_1)
    monkeypatch.undo()
    assert count_objects() == before


def test_wrapping_unknown_material_or_a_bad_public_key(hsm: Pkcs11Hsm, public_key_der) -> None:
    hsm.generate_material("bad-der")
    with pytest.raises(HsmError, match="no material labelled 'absent'"):
        hsm.wrap("absent", public_key_der(2048), Alg.RSAES_OAEP_SHA_1)
    with pytest.raises(HsmError, match="not a DER SubjectPublicKeyInfo"):
        hsm.wrap("bad-der", b"\x30\x03\x02\x01\x00", Alg.RSAES_OAEP_SHA_1)


def test_choice_logic_when_the_token_can_do_everything() -> None:
    """A production HSM's probe result, to check the choice; no token is faked for wrapping."""
    capable = ProbeResult(plans={algorithm: WrapPlan(algorithm) for algorithm in Alg})
    choice = choose(capable, None, "luna")
    assert choice.algorithm == Alg.RSA_AES_KEY_WRAP_SHA_256 and not choice.downgraded
    assert choice.reason == "RSA_AES_KEY_WRAP_SHA_256 is the strongest algorithm KMS offers and the token runs it"


def test_choice_logic_when_the_token_can_do_nothing() -> None:
    failures = {algorithm: "CKR_MECHANISM_INVALID" for algorithm in Alg}
    with pytest.raises(MechanismUnsupported, match="can run none of the KMS wrapping algorithms"):
        choose(ProbeResult(failures=failures), None, "old-hsm")


def test_descriptions_name_the_mechanisms() -> None:
    assert describe(WrapPlan(Alg.RSA_AES_KEY_WRAP_SHA_256, native=True)) == (
        "CKM_RSA_AES_KEY_WRAP (RSA-OAEP with SHA-256)"
    )
    assert describe(WrapPlan(Alg.RSA_AES_KEY_WRAP_SHA_1)) == "RSA-OAEP with SHA-1 then CKM_AES_KEY_WRAP_PAD"


def test_wrap_key_refuses_small_rsa_keys(hsm: Pkcs11Hsm, public_key_der) -> None:
    with pytest.raises(HsmError, match="not an RSA key of 2048 bits or more"):
        hsm._connection.run(lambda session: wrap_key(session, 0, public_key_der(1024), WrapPlan(Alg.RSAES_OAEP_SHA_1)))


@pytest.mark.needs("aes-key-wrap")
def test_probe_falls_back_to_two_steps_when_the_native_mechanism_fails(hsm: Pkcs11Hsm, token) -> None:
    """As on a token that lists CKM_RSA_AES_KEY_WRAP but rejects it: SoftHSM2 lacks it, so it fails."""
    claimed = (*hsm.token_info().mechanisms, "CKM_RSA_AES_KEY_WRAP")
    result = hsm._connection.run(lambda session: probe(session, claimed))
    assert result.supported == list(token.kind.wraps_with)
    assert result.plans[Alg.RSA_AES_KEY_WRAP_SHA_1] == WrapPlan(Alg.RSA_AES_KEY_WRAP_SHA_1)
