"""Which KMS wrapping algorithms a token really runs, and which one to use.

The mechanism list cannot answer this: it says CKM_RSA_PKCS_OAEP but not which hashes, and
SoftHSM2 lists it yet refuses SHA-256 (CKR_ARGUMENTS_BAD). So each algorithm is tried once on a
throwaway key and its output unwrapped in software, which also catches a token whose
CKM_AES_KEY_WRAP_PAD is not RFC 5649 or that ignores the OAEP hash. Only throwaway keys are
involved: a probe RSA key made in software (only its public half goes to the token) and an AES
session key *generated inside the token* (FIPS-mode tokens and nShield refuse a plaintext
C_CreateObject). The software unwrap is checked against the token's own AES-ECB encryption of a
zero block under the probe key (or its CKA_CHECK_VALUE), so no key value is ever read. Every
refusal by the token becomes a probe result, never an exception.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import PyKCS11
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap_with_padding

from byok.errors import MechanismUnsupported
from byok.hsm.backend import AlgorithmChoice
from byok.hsm.session import SESSION_LOST, ckr_name, quietly
from byok.hsm.trusted import TrustedSupport, probe_trusted_wrapping
from byok.hsm.wrapping import WrapPlan, public_key_template, secret_aes256_template, wrap_key
from byok.model import WrappingAlgorithm

PROBE_KEY_BITS = 2048
_HASH_TITLES = {"sha1": "SHA-1", "sha256": "SHA-256"}
_ZERO_BLOCK = bytes(16)


@dataclass(frozen=True)
class ProbeResult:
    """How the token runs each algorithm it can do, why each other one failed, and whether it has check values."""

    plans: dict[WrappingAlgorithm, WrapPlan] = field(default_factory=dict)
    failures: dict[WrappingAlgorithm, str] = field(default_factory=dict)
    check_values: bool = False
    trusted: TrustedSupport = field(default_factory=lambda: TrustedSupport((), {}, False, "not probed"))

    @property
    def supported(self) -> list[WrappingAlgorithm]:
        return [algorithm for algorithm in WrappingAlgorithm.by_strength() if algorithm in self.plans]


def probe(session: PyKCS11.Session, mechanisms: tuple[str, ...]) -> ProbeResult:
    """Try every algorithm on a session AES key the token generates itself; the probe key is always destroyed."""
    private_key = _probe_rsa_key()
    public_der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        probe_key = session.generateKey(_probe_key_template())
    except PyKCS11.PyKCS11Error as exc:
        if exc.value in SESSION_LOST:
            raise  # not a refusal: the caller reopens the session and probes again
        refused = f"the token refused to generate a session AES-256 probe key ({ckr_name(exc)})"
        return ProbeResult(failures=dict.fromkeys(WrappingAlgorithm.by_strength(), refused))
    plans: dict[WrappingAlgorithm, WrapPlan] = {}
    failures: dict[WrappingAlgorithm, str] = {}
    try:
        fingerprint = _Fingerprint.of(session, probe_key)
        for algorithm in WrappingAlgorithm.by_strength():
            for plan in _candidate_plans(algorithm, mechanisms):
                failure = _try(session, probe_key, public_der, plan, private_key, fingerprint)
                if failure is None:
                    plans[algorithm] = plan
                    failures.pop(algorithm, None)
                    break
                failures[algorithm] = failure
        check_values = fingerprint.check_value is not None
    finally:
        quietly(lambda: session.destroyObject(probe_key))
    return ProbeResult(plans, failures, check_values, _probe_trusted(session, private_key))


def _probe_trusted(session: PyKCS11.Session, private_key: rsa.RSAPrivateKey) -> TrustedSupport:
    """Key-ceremony attributes on a session key, checked against an untrusted session public key."""
    numbers = private_key.public_key().public_numbers()
    try:
        untrusted = session.createObject(public_key_template(numbers, "byok-probe-untrusted"))
    except PyKCS11.PyKCS11Error as exc:
        if exc.value in SESSION_LOST:
            raise
        return TrustedSupport((), {}, False, f"could not create a probe public key ({ckr_name(exc)})")
    try:
        return probe_trusted_wrapping(
            session, untrusted, secret_aes256_template("byok-probe-trusted", token=False, wrap=False)
        )
    finally:
        quietly(lambda: session.destroyObject(untrusted))


def read_check_value(session: PyKCS11.Session, handle: int) -> str | None:
    """CKA_CHECK_VALUE as hex, or None where the token has none (opencryptoki 3.8.1, pre-2.40 firmware)."""
    try:
        value = session.getAttributeValue(handle, [PyKCS11.CKA_CHECK_VALUE], allAsBinary=True)[0]
    except PyKCS11.PyKCS11Error:
        return None
    return bytes(value).hex() if value and len(value) == 3 else None


def _probe_key_template() -> list[tuple[int, object]]:
    """A session key that may wrap nothing but be wrapped, and encrypt (only to check the unwrap)."""
    template = dict(secret_aes256_template("byok-probe-key", token=False, wrap=False))
    template[PyKCS11.CKA_ENCRYPT] = True
    return list(template.items())


@dataclass(frozen=True)
class _Fingerprint:
    """What the token says about the probe key, to compare a software unwrap with: no key value is read."""

    ecb_zero_block: bytes | None
    check_value: str | None

    @classmethod
    def of(cls, session: PyKCS11.Session, key: int) -> _Fingerprint:
        try:
            ecb = bytes(session.encrypt(key, _ZERO_BLOCK, PyKCS11.Mechanism(PyKCS11.CKM_AES_ECB)))
        except PyKCS11.PyKCS11Error:
            ecb = None
        return cls(ecb, read_check_value(session, key))

    def matches(self, aes_key: bytes) -> bool | None:
        """True/False when the token gave something to compare with, None when it gave nothing."""
        if len(aes_key) != 32:
            return False
        encryptor = Cipher(algorithms.AES(aes_key), modes.ECB()).encryptor()  # noqa: S305 - one zero block
        ecb = encryptor.update(_ZERO_BLOCK) + encryptor.finalize()
        if self.ecb_zero_block is not None:
            return ecb == self.ecb_zero_block
        if self.check_value is not None:
            return ecb[:3].hex() == self.check_value
        return None


def choose(result: ProbeResult, forced: WrappingAlgorithm | None, token_label: str) -> AlgorithmChoice:
    supported = result.supported
    can_do = ", ".join(supported) or "none of the KMS algorithms"
    if forced is not None:
        plan_for(result, forced, token_label)
        return _choice(forced, f"{forced} forced by configuration; the token can do {can_do}")
    if not supported:
        reasons = "; ".join(f"{algorithm}: {why}" for algorithm, why in result.failures.items())
        raise MechanismUnsupported(
            f"token {token_label!r} can run none of the KMS wrapping algorithms ({reasons})",
            "the token needs CKM_RSA_PKCS_OAEP, and CKM_AES_KEY_WRAP_PAD or CKM_RSA_AES_KEY_WRAP for RSA_AES",
        )
    best = supported[0]
    stronger = WrappingAlgorithm.by_strength()[: WrappingAlgorithm.by_strength().index(best)]
    if not stronger:
        return _choice(best, f"{best} is the strongest algorithm KMS offers and the token runs it")
    missing = "; ".join(f"{algorithm}: {result.failures[algorithm]}" for algorithm in stronger)
    reason = f"{best} chosen, weaker than {stronger[0]} which KMS offers: token cannot do {missing}"
    return _choice(best, reason)


def plan_for(result: ProbeResult, algorithm: WrappingAlgorithm, token_label: str) -> WrapPlan:
    if algorithm not in result.plans:
        can_do = ", ".join(result.supported) or "none of the KMS algorithms"
        raise MechanismUnsupported(
            f"token {token_label!r} cannot wrap with {algorithm}: {result.failures[algorithm]}",
            f"the token can do {can_do}; set BYOK_WRAPPING_ALGORITHM to one of them or unset it",
        )
    return result.plans[algorithm]


def _choice(algorithm: WrappingAlgorithm, reason: str) -> AlgorithmChoice:
    strongest = WrappingAlgorithm.by_strength()[0]
    return AlgorithmChoice(algorithm, reason=reason, downgraded=algorithm != strongest)


def _candidate_plans(algorithm: WrappingAlgorithm, mechanisms: tuple[str, ...]) -> list[WrapPlan]:
    """The native mechanism first where listed, then the two-step scheme with the RFC 5649 mechanism."""
    if not algorithm.uses_aes_key_wrap:
        return [WrapPlan(algorithm)]
    kwp = PyKCS11.CKM_AES_KEY_WRAP_KWP if "CKM_AES_KEY_WRAP_KWP" in mechanisms else PyKCS11.CKM_AES_KEY_WRAP_PAD
    plans = [WrapPlan(algorithm, native=True)] if "CKM_RSA_AES_KEY_WRAP" in mechanisms else []
    return [*plans, WrapPlan(algorithm, kwp_mechanism=kwp)]


def _try(
    session: PyKCS11.Session,
    probe_key: int,
    public_der: bytes,
    plan: WrapPlan,
    private_key: rsa.RSAPrivateKey,
    fingerprint: _Fingerprint,
) -> str | None:
    """None if the token wrapped the probe key so that KMS would unwrap it, else what went wrong."""
    try:
        wrapped = wrap_key(session, probe_key, public_der, plan)
    except PyKCS11.PyKCS11Error as exc:
        if exc.value in SESSION_LOST:
            raise
        return f"{describe(plan)} failed ({ckr_name(exc)})"
    try:
        unwrapped = _unwrap_in_software(private_key, plan.algorithm, wrapped)
    except (ValueError, InvalidUnwrap):
        return f"{describe(plan)} produced output that KMS could not unwrap"
    if fingerprint.matches(unwrapped) is False:
        return f"{describe(plan)} produced output that unwraps to another key"
    return None


def describe(plan: WrapPlan) -> str:
    oaep = f"RSA-OAEP with {_HASH_TITLES[plan.algorithm.hash_name]}"
    if not plan.algorithm.uses_aes_key_wrap:
        return oaep
    if plan.native:
        return f"CKM_RSA_AES_KEY_WRAP ({oaep})"
    return f"{oaep} then {PyKCS11.CKM[plan.kwp_mechanism]}"


def _unwrap_in_software(private_key: rsa.RSAPrivateKey, algorithm: WrappingAlgorithm, wrapped: bytes) -> bytes:
    digest = hashes.SHA256() if algorithm.hash_name == "sha256" else hashes.SHA1()  # noqa: S303 (KMS's *_SHA_1)
    oaep = padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)
    if not algorithm.uses_aes_key_wrap:
        return private_key.decrypt(wrapped, oaep)
    rsa_size = private_key.key_size // 8
    aes_key = private_key.decrypt(wrapped[:rsa_size], oaep)
    return aes_key_unwrap_with_padding(aes_key, wrapped[rsa_size:])


@functools.cache
def _probe_rsa_key() -> rsa.RSAPrivateKey:
    """One throwaway key per process: generating RSA keys is the slow part of a probe."""
    return rsa.generate_private_key(public_exponent=65537, key_size=PROBE_KEY_BITS)
