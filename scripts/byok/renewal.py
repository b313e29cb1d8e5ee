"""Re-import expiring material before KMS deletes it: the same bytes, wrapped again by the HSM.

Every material of a key counts, not only the current one: when a NON_CURRENT material expires,
KMS puts the whole key in PendingImport and every service using it breaks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from byok.binding import require_label_bound
from byok.errors import KeyNotExternal, KeyWrongState, MaterialNotFound
from byok.hsm.backend import AlgorithmChoice, HsmBackend
from byok.importer import Done, Wrapping, finish_import, label_of, wrap_for_import
from byok.kms.client import KmsClient
from byok.model import ImportState, ImportType, KeyMaterial, KeyState, KmsKey, WrappingKeySpec
from byok.pending_imports import PendingImports


@dataclass(frozen=True)
class Renewal:
    key: KmsKey
    material: KeyMaterial
    label: str
    reason: str


def needs_renewal(material: KeyMaterial, now: datetime, horizon: timedelta) -> str | None:
    if material.import_state == ImportState.PENDING_IMPORT:
        return "no longer imported (expired or deleted): the key is unusable until it is re-imported"
    if material.valid_to is None:
        return None
    if material.valid_to <= now + horizon:
        return f"expires {material.valid_to.isoformat(timespec='minutes')}, within {horizon.days} days"
    return None


def _require_renewable(key: KmsKey) -> None:
    """ "Nothing expires" would be a false all-clear for a key byok cannot renew at all."""
    if key.origin != "EXTERNAL":
        raise KeyNotExternal(
            f"{key.arn} has origin {key.origin}: KMS owns its material, there is nothing to renew",
            "renew keys created with Origin=EXTERNAL (see `byok inventory`)",
        )
    if key.state in (KeyState.PENDING_DELETION, KeyState.UNAVAILABLE):
        raise KeyWrongState(
            f"{key.arn} is {key.state.value}: KMS accepts no material for it",
            "cancel the key's deletion first (`aws kms cancel-key-deletion`) if it is still needed"
            if key.state == KeyState.PENDING_DELETION
            else "reconnect its custom key store first",
        )


class MaterialRenewer:
    def __init__(
        self,
        hsm: HsmBackend,
        kms: KmsClient,
        algorithm: AlgorithmChoice,
        wrapping_key_spec: WrappingKeySpec = WrappingKeySpec.RSA_4096,
        pending: PendingImports | None = None,
    ) -> None:
        self.hsm = hsm
        self.kms = kms
        self.algorithm = algorithm
        self.wrapping_key_spec = wrapping_key_spec
        self.pending = pending  # key-ceremony mode (see byok.importer.wrap_for_import)

    def plan(self, key_ref: str, now: datetime, horizon: timedelta, material_id: str | None = None) -> list[Renewal]:
        key = self.kms.describe(key_ref)
        _require_renewable(key)
        renewals = []
        for material in self.kms.list_materials(key.key_id):
            if material_id is not None and material.material_id != material_id:
                continue
            reason = "requested" if material_id else needs_renewal(material, now, horizon)
            if reason is None:
                continue
            label = label_of(material)
            if label is None:
                raise KeyWrongState(
                    f"material {material.material_id} of {key.arn} was not imported by byok: its HSM object is unknown",
                    "re-import it with the tool that created it, or set its KeyMaterialDescription",
                )
            require_label_bound(label, key)
            renewals.append(Renewal(key, material, label, reason))
        if material_id is not None and not renewals:
            raise KeyWrongState(f"{key.arn} has no material {material_id}", "see `byok material list --key ...`")
        return renewals

    def renew(
        self,
        renewal: Renewal,
        valid_to: datetime | None,
        progress: Callable[[str], None] = lambda step: None,
        done: Done = lambda step, facts: None,
    ) -> str:
        material = self.hsm.find_material(renewal.label)
        if material is None:
            raise MaterialNotFound(
                f"the HSM holds no object {renewal.label} for material {renewal.material.material_id}",
                "check BYOK_TOKEN_LABEL; without the HSM copy this material cannot be restored",
            )
        wrapping = Wrapping(self.algorithm.algorithm, self.wrapping_key_spec)
        params, wrapped = wrap_for_import(
            self.hsm, self.kms, self.pending, renewal.key.arn, material, wrapping, progress, done
        )
        progress("import")
        material_id = self.kms.import_material(
            params,
            wrapped,
            import_type=ImportType.EXISTING_KEY_MATERIAL,
            valid_to=valid_to,
            material_id=renewal.material.material_id,
        )
        finish_import(self.hsm, self.pending, params, material)
        return material_id
