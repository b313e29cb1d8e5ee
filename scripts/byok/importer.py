"""Generate material in the HSM, wrap it there under the KMS wrapping key, and import it.

Every run first reads what the HSM and KMS already hold, so a run that crashed part-way is
finished by running it again: an HSM object that was generated but never imported is imported
(never a second one generated), and a material already in KMS is recognised by the label that
byok writes into its KeyMaterialDescription.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from byok.approval_sweep import describe, supersede
from byok.binding import require_label_bound, require_unclaimed
from byok.errors import ApprovalPending, KeyNotExternal, KeyWrongState
from byok.hsm.backend import AlgorithmChoice, HsmBackend
from byok.hsm.trusted import fingerprint
from byok.kms.client import KmsClient
from byok.model import (
    HsmMaterial,
    ImportParameters,
    ImportState,
    ImportType,
    KeyMaterial,
    KeyMaterialState,
    KeyState,
    KmsKey,
    WrappingAlgorithm,
    WrappingKeySpec,
)
from byok.pending_imports import PendingImports
from byok.rotation.budget import require_budget, rotations_used

_DESCRIPTION = re.compile(r"^byok label:(?P<label>\S+)( kcv:(?P<kcv>[0-9a-f]+))?$")

# A new material waits in one of these until RotateKeyOnDemand; a multi-Region primary's waits for its replicas first.
PENDING = frozenset({KeyMaterialState.PENDING_ROTATION, KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION})

Progress = Callable[[str], None]
Done = Callable[[str, dict[str, object]], None]  # (step, facts): what the audit journal records


def material_description(material: HsmMaterial) -> str:
    """The KeyMaterialDescription that ties a KMS material to its HSM object (non-secret)."""
    kcv = f" kcv:{material.check_value}" if material.check_value else ""
    return f"byok label:{material.label}{kcv}"


def label_of(material: KeyMaterial) -> str | None:
    match = _DESCRIPTION.match(material.description or "")
    return match.group("label") if match else None


def default_label_prefix(key: KmsKey) -> str:
    return f"byok/{key.key_id}/"


@dataclass(frozen=True)
class ImportPlan:
    """What a run would do, decided from the real state of HSM and KMS before acting."""

    key: KmsKey
    label: str
    generate: bool  # no HSM object with this label yet
    import_needed: bool  # the HSM object's material is not in KMS yet
    rotate: bool  # a NEW material would wait in PENDING_ROTATION and the strategy rotates in place
    existing_material_id: str | None
    algorithm: AlgorithmChoice
    steps: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportOutcome:
    key_arn: str
    label: str
    check_value: str  # "" where the token has no CKA_CHECK_VALUE: then material_id + label identify it
    material_id: str
    material_state: KeyMaterialState
    algorithm: str
    steps_done: tuple[str, ...]


class MaterialImporter:
    def __init__(
        self,
        hsm: HsmBackend,
        kms: KmsClient,
        algorithm: AlgorithmChoice,
        wrapping_key_spec: WrappingKeySpec = WrappingKeySpec.RSA_4096,
        claims: Mapping[str, str] | None = None,
        pending: PendingImports | None = None,
    ) -> None:
        self.hsm = hsm
        self.kms = kms
        self.algorithm = algorithm
        self.wrapping_key_spec = wrapping_key_spec
        self.claims = claims or {}  # check value -> key it backs, from the journal (byok.binding)
        self.pending = pending  # key-ceremony mode: parameters kept until the SO approved them

    def plan(self, key_ref: str, *, label: str | None = None, rotate: bool = True) -> ImportPlan:
        """Decide from the real state; refuses another key's material here, before any KMS write."""
        key = self.kms.describe(key_ref)
        _require_importable(key)
        if label is not None:
            require_label_bound(label, key)
        materials = self._materials(key)
        imported = {label_of(m): m for m in materials if label_of(m)}
        if label is None:
            label = self._next_label(key, imported)
        in_kms = imported.get(label)
        hsm_object = self.hsm.find_material(label)
        if hsm_object is not None:
            require_unclaimed(hsm_object, key, self.claims)
        pending = next((m for m in materials if m.state in PENDING), None)
        if in_kms is None and pending is not None:
            raise KeyWrongState(
                f"{key.arn} already has material {pending.material_id} waiting in {pending.state.value} "
                f"that byok did not import as {label}",
                "rotate or delete that material first (KMS allows one pending material)",
            )
        will_rotate = rotate and (
            (in_kms is not None and in_kms.state in PENDING)
            or (in_kms is None and key.state != KeyState.PENDING_IMPORT)
        )
        if will_rotate:
            require_budget(key.arn, rotations_used(materials))  # before the HSM or KMS changes anything
        steps = []
        if hsm_object is None and in_kms is None:
            steps.append("generate")
        if in_kms is None:
            steps += ["get-parameters", "wrap", "import"]
        if will_rotate:
            steps.append("rotate")
        return ImportPlan(
            key=key,
            label=label,
            generate=hsm_object is None and in_kms is None,
            import_needed=in_kms is None,
            rotate=will_rotate,
            existing_material_id=in_kms.material_id if in_kms else None,
            algorithm=self.algorithm,
            steps=steps,
        )

    def execute(
        self,
        plan: ImportPlan,
        *,
        valid_to: datetime | None,
        progress: Progress = lambda step: None,
        done: Done = lambda step, facts: None,
    ) -> ImportOutcome:
        key = plan.key
        if plan.generate:
            progress("generate")
            hsm_material = self.hsm.generate_material(plan.label)
            note = f"HSM object {plan.label}; {self.hsm.ceremony_note()}"
            done("generate", {"check_value": hsm_material.check_value, "detail": note})
        else:
            hsm_material = stored_material(self.hsm, key.arn, plan.label)
        material_id = plan.existing_material_id
        if plan.import_needed:
            material_id = import_wrapped(
                self.hsm,
                self.kms,
                key.arn,
                hsm_material,
                Wrapping(plan.algorithm.algorithm, self.wrapping_key_spec),
                import_type=ImportType.NEW_KEY_MATERIAL,
                valid_to=valid_to,
                progress=progress,
                done=done,
                pending=self.pending,
            )
        if plan.rotate:
            progress("rotate")
            self.kms.rotate_on_demand(key.arn)
            done("rotate", {"material_id": material_id, "check_value": hsm_material.check_value})
        state = self._state_of(key, material_id)
        return ImportOutcome(
            key_arn=key.arn,
            label=plan.label,
            check_value=hsm_material.check_value or "",
            material_id=material_id,
            material_state=state,
            algorithm=plan.algorithm.algorithm.value,
            steps_done=tuple(plan.steps),
        )

    def _materials(self, key: KmsKey) -> list[KeyMaterial]:
        try:
            materials = self.kms.list_materials(key.key_id)
        except KeyWrongState:
            if key.state != KeyState.PENDING_IMPORT:
                raise
            return []
        missing = [m for m in materials if m.import_state == ImportState.PENDING_IMPORT]
        if key.state == KeyState.PENDING_IMPORT and missing:
            raise KeyWrongState(
                f"{key.arn} is unusable: material {missing[0].material_id} is no longer imported (expired or deleted)",
                "re-import that same material with `byok material renew` before adding a new one",
            )
        return materials

    def _next_label(self, key: KmsKey, imported: dict[str | None, KeyMaterial]) -> str:
        """The lowest ``m<N>`` that KMS has not received: an HSM object under it is resumed, else generated.

        byok only ever generates that label, so at most one object per key can be waiting; looking labels up
        one by one costs one C_FindObjects per imported material instead of reading every object's label.
        """
        prefix = default_label_prefix(key)
        number = 1
        while f"{prefix}m{number}" in imported:
            number += 1
        return f"{prefix}m{number}"

    def _state_of(self, key: KmsKey, material_id: str) -> KeyMaterialState:
        for material in self.kms.list_materials(key.key_id):
            if material.material_id == material_id:
                return material.state
        raise KeyWrongState(f"material {material_id} is not listed on {key.arn} after import")


def stored_material(hsm: HsmBackend, key_arn: str, label: str) -> HsmMaterial:
    """The HSM object behind a material KMS already has (or was promised), as stored: trusted-wrapping or not."""
    material = hsm.find_material(label)
    if material is None:
        raise KeyWrongState(
            f"{key_arn} holds material labelled {label} but the HSM has no such object",
            "check that the right token is configured (BYOK_TOKEN_LABEL)",
        )
    return material


@dataclass(frozen=True)
class Wrapping:
    algorithm: WrappingAlgorithm
    spec: WrappingKeySpec


def wrap_for_import(
    hsm: HsmBackend,
    kms: KmsClient,
    pending: PendingImports | None,
    key_arn: str,
    material: HsmMaterial,
    wrapping: Wrapping,
    progress: Progress,
    done: Done,
    region: str = "",
) -> tuple[ImportParameters, bytes]:
    """Parameters (kept ones in key-ceremony mode, else fresh) and the material wrapped under them in the HSM.

    Material made in key-ceremony mode stops here until the security officer approved the wrapping key:
    the parameters are kept so that the approval and the re-run refer to the same public key. ``region``
    names a multi-Region replica: its steps are ``get-parameters@<region>`` and so on.
    """
    at, where = _where(region)
    waiting = pending.load(key_arn) if pending is not None and material.wrap_with_trusted else None
    if waiting is not None and (waiting.params.algorithm, waiting.label) == (wrapping.algorithm, material.label):
        params = waiting.params
    else:
        progress(f"get-parameters{at}")
        params = kms.get_import_parameters(key_arn, wrapping.algorithm, wrapping.spec)
        detail = f"{where}wrapping key {wrapping.spec.value}, SHA-256 {fingerprint(params.public_key_der)[:24]}"
        done("get-parameters", {"algorithm": wrapping.algorithm.value, "detail": detail})
        if material.wrap_with_trusted:  # an approval of the key's previous wrapping key can never serve now
            now = datetime.now(UTC)
            for old in supersede(hsm, key_arn, fingerprint(params.public_key_der)):
                superseded = f"{describe(old, now)}: destroyed, superseded by {detail}"
                done("supersede", {"result": "ok", "detail": superseded})
    progress(f"wrap{at}")
    try:
        wrapped = hsm.wrap(material.label, params.public_key_der, wrapping.algorithm)
    except ApprovalPending as stopped:
        if pending is None:
            raise
        pending.save(params, material.label)
        raise ApprovalPending(
            f"{key_arn} ({params.algorithm.value}, wrapping key {params.wrapping_key_spec.value}): {stopped.cause}",
            f"the security officer runs `byok hsm approve-wrapping-key --key {key_arn} "
            f"--fingerprint {fingerprint(params.public_key_der)}` (BYOK_HSM_SO_PIN_FILE), "
            f"then re-run this command before {params.valid_to.isoformat(timespec='minutes')}",
        ) from None
    trusted = "under the SO-approved wrapping key" if material.wrap_with_trusted else "trusted wrapping off"
    done(
        "wrap", {"algorithm": wrapping.algorithm.value, "check_value": material.check_value, "detail": where + trusted}
    )
    return params, wrapped


def import_wrapped(
    hsm: HsmBackend,
    kms: KmsClient,
    key_arn: str,
    material: HsmMaterial,
    wrapping: Wrapping,
    *,
    import_type: ImportType,
    valid_to: datetime | None,
    progress: Progress,
    done: Done,
    material_id: str | None = None,
    region: str = "",
    pending: PendingImports | None = None,
) -> str:
    """GetParametersForImport, wrap inside the HSM under that wrapping key, ImportKeyMaterial; the KeyMaterialId.

    ``region`` names a multi-Region replica: the journal says which replica each step was for.
    """
    at, where = _where(region)
    params, wrapped = wrap_for_import(hsm, kms, pending, key_arn, material, wrapping, progress, done, region)
    progress(f"import{at}")
    imported = kms.import_material(
        params,
        wrapped,
        import_type=import_type,
        valid_to=valid_to,
        description=material_description(material),
        material_id=material_id,
    )
    released = finish_import(hsm, pending, params, material)
    expiry = valid_to.isoformat(timespec="seconds") if valid_to else "never"
    facts = {"material_id": imported, "check_value": material.check_value, "algorithm": wrapping.algorithm.value}
    detail = f"{where}{_fingerprint(material.label, material)}; expires {expiry}{released}"
    done("import", {**facts, "detail": detail})
    return imported


def _where(region: str) -> tuple[str, str]:
    return (f"@{region}", f"replica in {region}, ") if region else ("", "")


def finish_import(
    hsm: HsmBackend, pending: PendingImports | None, params: ImportParameters, material: HsmMaterial
) -> str:
    """The approved wrapping objects and the kept parameters served their one import: remove them.

    Returns what the journal adds to the import record ("" outside key-ceremony mode).
    """
    if not material.wrap_with_trusted:
        return ""
    destroyed = hsm.release_approval(params.public_key_der)
    if pending is not None:
        pending.forget(params.key_arn)
    return f"; approval used once: {destroyed} trusted object(s) destroyed"


def _fingerprint(label: str, material: HsmMaterial) -> str:
    """What names the material in the journal besides material_id (and check_value, where the token has one)."""
    unique = f", CKA_UNIQUE_ID {material.unique_id}" if material.unique_id else ""
    return f"HSM object {label}{unique}"


def _require_importable(key: KmsKey) -> None:
    if key.origin != "EXTERNAL":
        raise KeyNotExternal(
            f"{key.arn} has origin {key.origin}: KMS generated its material",
            "import only into keys created with Origin=EXTERNAL (aws_kms_external_key)",
        )
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise KeyWrongState(
            f"{key.arn} is {key.key_spec}: byok rotates symmetric material only",
            "use the alias-swap strategy with a new key for asymmetric or HMAC keys",
        )
    if key.state not in (KeyState.PENDING_IMPORT, KeyState.ENABLED):
        raise KeyWrongState(
            f"{key.arn} is {key.state.value}: new material can go only into a PendingImport or Enabled key",
            "cancel the deletion or enable the key first" if key.state != KeyState.UNAVAILABLE else "",
        )
