"""The KMS key state of a moto ``Key``, derived from its key materials instead of stored.

moto stores ``key_state``/``enabled`` as plain attributes, so an EXTERNAL key looks usable forever. Real KMS
derives PendingImport from the materials (none yet, or one expired or deleted), and expiry happens with
time passing, not with an API call. Installing these as properties on moto's ``Key`` makes every moto code
path (DescribeKey, ListKeys, Encrypt, ...) see the same, current state without patching each of them.
"""

from __future__ import annotations

from typing import Any

from byok.model import KeyState
from byok.sandbox import clock
from byok.sandbox.faults import fault
from byok.sandbox.materials import KeyMaterials

_MATERIALS = "byok_materials"
_ADMIN_STATE = "byok_admin_state"  # what the key's owner asked for: Enabled, Disabled or PendingDeletion


def materials_of(key: Any) -> KeyMaterials | None:
    return key.__dict__.get(_MATERIALS)


def attach_materials(key: Any, materials: KeyMaterials) -> None:
    key.__dict__[_MATERIALS] = materials


def is_replica(key: Any) -> bool:
    return bool(key.multi_region) and key.arn != key.multi_region_configuration["PrimaryKey"]["Arn"]


def _get_state(key: Any) -> str:
    admin = key.__dict__[_ADMIN_STATE]
    materials = materials_of(key)
    if admin == KeyState.PENDING_DELETION or materials is None or not materials.external:
        return admin
    return KeyState.PENDING_IMPORT.value if materials.unavailable(clock.now()) else admin


def _set_state(key: Any, value: str) -> None:
    key.__dict__[_ADMIN_STATE] = value


def _get_enabled(key: Any) -> bool:
    return key.key_state == KeyState.ENABLED


def _set_enabled(key: Any, value: bool) -> None:
    """moto writes ``enabled`` next to ``key_state``; only a lone write (CloudFormation) changes anything."""
    admin = key.__dict__[_ADMIN_STATE]
    if value and admin == KeyState.DISABLED:
        _set_state(key, KeyState.ENABLED.value)
    elif not value and admin == KeyState.ENABLED:
        _set_state(key, KeyState.DISABLED.value)


STATE_PROPERTY = property(_get_state, _set_state)
ENABLED_PROPERTY = property(_get_enabled, _set_enabled)


def ensure_usable(key: Any) -> None:
    """The refusal KMS gives for cryptographic use of a key that is not Enabled."""
    state = key.key_state
    if state == KeyState.DISABLED:
        raise fault("DisabledException", f"{key.arn} is disabled.")
    if state != KeyState.ENABLED:
        raise fault("KMSInvalidStateException", f"{key.arn} is {state}.")
