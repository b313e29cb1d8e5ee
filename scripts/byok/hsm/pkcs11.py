"""The HSM backend for any PKCS#11 token (SoftHSM2, Luna, nShield, Utimaco, CloudHSM).

Material is an AES-256 token object known by its label. Labels must be unique because the
rotation layer resumes after a crash by looking material up by label: generating over an
existing label is refused, and a label that two objects share is reported, never guessed at.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

import PyKCS11

from byok.config import HsmSettings
from byok.errors import ApprovalPending, HsmError, MaterialNotFound, MechanismUnsupported, TrustedWrappingUnavailable
from byok.hsm.algorithms import ProbeResult, choose, plan_for, probe, read_check_value
from byok.hsm.approvals import Select, TrustedObject, destroy_selected, trusted_objects
from byok.hsm.backend import AlgorithmChoice, TokenInfo
from byok.hsm.session import TokenSession, ckr_name, mechanism_names, token_label
from byok.hsm.trusted import (
    ATTRIBUTE_NAMES,
    TRUSTED_MATERIAL_ATTRIBUTES,
    TrustedSupport,
    create_approved,
    destroy_approved,
    find_approved,
    fingerprint,
)
from byok.hsm.wrapping import WrapPlan, secret_aes256_template, wrap_key
from byok.material_policy import TrustedWrapping
from byok.model import HsmMaterial, ImportParameters, WrappingAlgorithm

log = logging.getLogger(__name__)

T = TypeVar("T")

CKA_UNIQUE_ID = 0x4  # PKCS#11 3.0; PyKCS11 1.5.20 has no constant for it

_MATERIAL_CLASS = [
    (PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
    (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
    (PyKCS11.CKA_TOKEN, True),
]
_NOT_MODIFIABLE = (PyKCS11.CKA_MODIFIABLE, False)
_TEMPLATE_REFUSED = frozenset(
    {
        PyKCS11.CKR_ATTRIBUTE_READ_ONLY,
        PyKCS11.CKR_ATTRIBUTE_TYPE_INVALID,
        PyKCS11.CKR_ATTRIBUTE_VALUE_INVALID,
        PyKCS11.CKR_TEMPLATE_INCONSISTENT,
    }
)
_MECHANISM_REFUSED = frozenset(
    {PyKCS11.CKR_MECHANISM_INVALID, PyKCS11.CKR_MECHANISM_PARAM_INVALID, PyKCS11.CKR_ARGUMENTS_BAD}
)


def label_id(label: str) -> bytes:
    """CKA_ID derived from the label, so vendor tools that select by id find the same object."""
    return hashlib.sha256(label.encode()).digest()[:16]


class Pkcs11Hsm:
    """A logged-in PKCS#11 token; implements ``byok.hsm.backend.HsmBackend``."""

    def __init__(
        self,
        connection: TokenSession,
        settings: HsmSettings,
        trusted_wrapping: TrustedWrapping = TrustedWrapping.OFF,
    ) -> None:
        self._connection = connection
        self._settings = settings
        self._probed: ProbeResult | None = None
        self.trusted_wrapping = trusted_wrapping

    @classmethod
    def open(
        cls, settings: HsmSettings, pin: str, *, trusted_wrapping: TrustedWrapping = TrustedWrapping.OFF
    ) -> Pkcs11Hsm:
        """A user session. ``trusted_wrapping`` is byok.toml's [material] mode (OFF for library callers)."""
        return cls(TokenSession(settings.module, settings.token_label, pin), settings, trusted_wrapping)

    @classmethod
    def open_as_security_officer(cls, settings: HsmSettings, so_pin: str) -> Pkcs11Hsm:
        """An SO session, for approving a KMS wrapping key (key-ceremony mode) and nothing else."""
        return cls(TokenSession(settings.module, settings.token_label, so_pin, PyKCS11.CKU_SO), settings)

    def __enter__(self) -> Pkcs11Hsm:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def label(self) -> str:
        return self._settings.token_label

    def token_info(self) -> TokenInfo:
        lib, slot = self._connection.lib, self._connection.slot
        info = lib.getTokenInfo(slot)
        return TokenInfo(
            label=token_label(info),
            manufacturer=str(info.manufacturerID).strip(),
            model=str(info.model).strip(),
            serial=str(info.serialNumber).strip(),
            firmware="{}.{}".format(*info.firmwareVersion),
            mechanisms=mechanism_names(lib, slot),
        )

    def wrapping_capabilities(self) -> list[WrappingAlgorithm]:
        return self._probe().supported

    def choose_algorithm(self, forced: WrappingAlgorithm | None = None) -> AlgorithmChoice:
        choice = choose(self._probe(), forced or self._settings.forced_algorithm, self.label)
        log.info("wrapping algorithm %s: %s", choice.algorithm, choice.reason)
        return choice

    def has_check_values(self) -> bool:
        return self._probe().check_values

    def trusted_support(self) -> TrustedSupport:
        """Whether the token accepts and enforces the key-ceremony attributes (probed on session keys)."""
        return self._probe().trusted

    def key_ceremony(self) -> bool:
        """Whether new material gets CKA_WRAP_WITH_TRUSTED: the estate's mode and what the token can do."""
        support = self.trusted_support()
        if self.trusted_wrapping == TrustedWrapping.REQUIRED and not support.available:
            refused = ", ".join(f"{name}: {code}" for name, code in support.refused.items()) or support.detail
            raise TrustedWrappingUnavailable(
                f"byok.toml requires trusted wrapping but token {self.label!r} cannot enforce it ({refused})",
                "use a token that supports CKA_WRAP_WITH_TRUSTED, or set [material] trusted_wrapping with a reason",
            )
        return self.trusted_wrapping != TrustedWrapping.OFF and support.available

    def ceremony_note(self) -> str:
        """For the journal: the trusted-wrapping state of new material, naming what the token refused."""
        if self.trusted_wrapping == TrustedWrapping.OFF:
            return "trusted wrapping off by configuration"
        if self.key_ceremony():
            return "key-ceremony mode (CKA_WRAP_WITH_TRUSTED)"
        support = self.trusted_support()
        refused = ", ".join(f"{name}: {code}" for name, code in support.refused.items()) or support.detail
        return f"trusted wrapping unavailable on this token ({refused})"

    def generate_material(self, label: str) -> HsmMaterial:
        _check_label(label)
        attempted = False
        ceremony = self.key_ceremony()
        accepted = self.trusted_support().accepted
        extra = [(a, v) for a, v in TRUSTED_MATERIAL_ATTRIBUTES.items() if ceremony and ATTRIBUTE_NAMES[a] in accepted]

        def generate(session: PyKCS11.Session) -> HsmMaterial:
            nonlocal attempted
            existing = _handles(session, label)
            if attempted and len(existing) == 1:
                return _material(session, existing[0], label)  # ours: the session died after C_GenerateKey
            if existing:
                raise HsmError(
                    f"token {self.label!r} already holds material labelled {label!r}",
                    "labels identify material when resuming: use find_material, or pick a new label",
                )
            attempted = True
            handle = _generate(session, label, extra)
            if len(_handles(session, label)) > 1:
                session.destroyObject(handle)
                raise HsmError(
                    f"another process created material labelled {label!r} at the same time",
                    "run one rotation per key at a time; the other process's material is kept",
                )
            return _material(session, handle, label)

        material = self._run(f"generating {label!r}", generate)
        log.info("generated material %s (check value %s)", label, material.check_value)
        return material

    def find_material(self, label: str) -> HsmMaterial | None:
        def find(session: PyKCS11.Session) -> HsmMaterial | None:
            handle = self._single_handle(session, label)
            return None if handle is None else _material(session, handle, label)

        return self._run(f"looking up {label!r}", find)

    def list_materials(self, prefix: str = "") -> list[HsmMaterial]:
        def list_all(session: PyKCS11.Session) -> list[HsmMaterial]:
            found = []
            for handle in session.findObjects(_MATERIAL_CLASS):
                label = _label_of(session, handle)
                if label.startswith(prefix):
                    found.append(_material(session, handle, label))
            return sorted(found, key=lambda material: material.label)

        return self._run("listing material", list_all)

    def wrap(self, label: str, public_key_der: bytes, algorithm: WrappingAlgorithm) -> bytes:
        """Wrap inside the token; material made in key-ceremony mode only under the SO-approved objects."""
        plan = plan_for(self._probe(), algorithm, self.label)

        def wrap_material(session: PyKCS11.Session) -> bytes:
            handle = self._required_handle(session, label)
            if not _wraps_only_with_trusted(session, handle):
                return wrap_key(session, handle, public_key_der, plan)
            approved = find_approved(session, public_key_der, _two_step(plan))
            if approved is None:
                raise ApprovalPending(
                    f"material {label!r} may be wrapped only under a KMS wrapping key the security officer approved "
                    f"(key-ceremony mode); this one (SHA-256 {fingerprint(public_key_der)}) is not approved yet",
                    "the security officer runs `byok hsm approve-wrapping-key` (BYOK_HSM_SO_PIN_FILE), "
                    "then re-run this command within 24 h",
                )
            return wrap_key(session, handle, public_key_der, plan, approved)

        wrapped = self._run(f"wrapping {label!r} with {algorithm}", wrap_material)
        log.info("wrapped material %s with %s (%d bytes)", label, algorithm, len(wrapped))
        return wrapped

    def destroy_material(self, label: str) -> None:
        attempted = False

        def destroy(session: PyKCS11.Session) -> None:
            nonlocal attempted
            if attempted and self._single_handle(session, label) is None:
                return  # the session died after C_DestroyObject had done its work
            handle = self._required_handle(session, label)
            attempted = True
            session.destroyObject(handle)

        self._run(f"destroying {label!r}", destroy)
        log.info("destroyed material %s", label)

    def approve_wrapping_key(self, params: ImportParameters) -> None:
        """In an SO session: make this KMS wrapping key (and, for RSA_AES, an ephemeral AES key) trusted.

        The objects' CKA_ID names ``params.key_arn`` and the import token's expiry (``byok.hsm.approvals``).
        """
        der, algorithm = params.public_key_der, params.algorithm
        two_step = algorithm.uses_aes_key_wrap  # no probe in an SO session: make the trusted AES key whenever needed
        self._run(
            "approving the wrapping key",
            lambda s: create_approved(s, der, two_step, params.key_arn, params.valid_to),
        )
        log.info("approved wrapping key %s for %s", fingerprint(der)[:24], algorithm)

    def release_approval(self, public_key_der: bytes) -> int:
        """After the import: destroy the approved objects (they must not outlive their one use)."""
        return self._run("destroying the approved wrapping key", lambda s: destroy_approved(s, public_key_der))

    def trusted_objects(self) -> list[TrustedObject]:
        """Every CKA_TRUSTED object on the token, byok's approvals and anyone else's."""
        return [found for _, found in self._run("listing trusted objects", trusted_objects)]

    def destroy_approvals(self, select: Select) -> list[TrustedObject]:
        """Destroy the byok approvals ``select`` picks (never an object byok did not make); what was destroyed."""
        return self._run("destroying trusted wrapping objects", lambda s: destroy_selected(s, select))

    def close(self) -> None:
        self._connection.close()

    def _probe(self) -> ProbeResult:
        if self._probed is None:
            mechanisms = mechanism_names(self._connection.lib, self._connection.slot)
            self._probed = self._run("probing wrapping", lambda session: probe(session, mechanisms))
            log.info("token %s wraps with: %s", self.label, ", ".join(self._probed.supported) or "nothing")
        return self._probed

    def _run(self, what: str, operation: Callable[[PyKCS11.Session], T]) -> T:
        """Run on the session (retried once if lost) and turn PKCS#11 return codes into one-line errors."""
        try:
            return self._connection.run(operation)
        except PyKCS11.PyKCS11Error as exc:
            error = MechanismUnsupported if exc.value in _MECHANISM_REFUSED else HsmError
            raise error(f"{what} failed on token {self.label!r}: {ckr_name(exc)}", _remedy_for(exc.value)) from None

    def _single_handle(self, session: PyKCS11.Session, label: str) -> int | None:
        handles = _handles(session, label)
        if len(handles) > 1:
            raise HsmError(
                f"token {self.label!r} holds {len(handles)} objects labelled {label!r}",
                "keep the one KMS holds (compare check values) and relabel or destroy the others",
            )
        return handles[0] if handles else None

    def _required_handle(self, session: PyKCS11.Session, label: str) -> int:
        handle = self._single_handle(session, label)
        if handle is None:
            raise MaterialNotFound(
                f"token {self.label!r} holds no material labelled {label!r}",
                "check the label in the journal against the labels the token lists",
            )
        return handle


def _check_label(label: str) -> None:
    if not label or label != label.strip():
        raise HsmError(f"material label {label!r} is empty or padded", "use labels like 'prod-rds-2'")


def _two_step(plan: WrapPlan) -> bool:
    return plan.algorithm.uses_aes_key_wrap and not plan.native


def _wraps_only_with_trusted(session: PyKCS11.Session, handle: int) -> bool:
    try:
        return bool(session.getAttributeValue(handle, [PyKCS11.CKA_WRAP_WITH_TRUSTED])[0])
    except PyKCS11.PyKCS11Error:
        return False  # a token without the attribute (opencryptoki 3.8.1)


def _generate(session: PyKCS11.Session, label: str, extra: list[tuple[int, object]]) -> int:
    """Generate with CKA_MODIFIABLE false where the token accepts it, so the label cannot be changed later.

    ``extra`` holds the key-ceremony attributes the probe found accepted.
    """
    # KMS does the cryptography: the HSM keeps the original, usable for nothing but being wrapped.
    template = [*secret_aes256_template(label, token=True, wrap=False), (PyKCS11.CKA_ID, label_id(label)), *extra]
    try:
        return session.generateKey([*template, _NOT_MODIFIABLE])
    except PyKCS11.PyKCS11Error as exc:
        if exc.value not in _TEMPLATE_REFUSED:
            raise
        log.info("token refuses CKA_MODIFIABLE=false (%s); generating a modifiable object", ckr_name(exc))
    return session.generateKey(template)


def _handles(session: PyKCS11.Session, label: str) -> list[int]:
    return list(session.findObjects([*_MATERIAL_CLASS, (PyKCS11.CKA_LABEL, label)]))


def _label_of(session: PyKCS11.Session, handle: int) -> str:
    return str(session.getAttributeValue(handle, [PyKCS11.CKA_LABEL])[0] or "")


def _material(session: PyKCS11.Session, handle: int, label: str) -> HsmMaterial:
    """Read CKA_CHECK_VALUE and CKA_UNIQUE_ID where the token has them, never CKA_VALUE.

    (PyKCS11 returns [None] for a sensitive value rather than an error: never read it as "empty key".)
    """
    return HsmMaterial(
        label=label,
        check_value=read_check_value(session, handle),
        unique_id=_unique_id(session, handle),
        wrap_with_trusted=_wraps_only_with_trusted(session, handle),
    )


def _unique_id(session: PyKCS11.Session, handle: int) -> str | None:
    try:
        value = session.getAttributeValue(handle, [CKA_UNIQUE_ID], allAsBinary=True)[0]
    except PyKCS11.PyKCS11Error:
        return None
    text = bytes(value or b"").decode("ascii", "replace").strip()
    return text or None


def _remedy_for(code: int) -> str:
    if code == PyKCS11.CKR_KEY_UNEXTRACTABLE:
        return "material made with CKA_EXTRACTABLE=false can never be wrapped; generate new material"
    if code in _MECHANISM_REFUSED:
        return "choose another wrapping algorithm with BYOK_WRAPPING_ALGORITHM, or unset it"
    return "check the token's state and logs; re-running resumes where this stopped"
