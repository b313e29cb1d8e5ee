"""Install the sandbox's KMS behaviour into moto, in-process and idempotently.

moto 5.2.5 has no key import, treats EXTERNAL keys as ordinary ones, ignores key states for cryptography and
accepts requests real KMS refuses (DESIGN.md section 6). Everything here is a patch on moto's own classes, so
both ``mock_aws`` and the HTTP server (``byok.sandbox.server``) behave the same after :func:`install`.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from typing import Any

from moto.kms import models as kms_models
from moto.kms import responses as kms_responses
from moto.kms.exceptions import NotFoundException
from moto.moto_api._internal import mock_random

from byok.model import KeyState
from byok.sandbox import clock, kms_api, multi_region, symmetric, usage
from byok.sandbox.faults import fault
from byok.sandbox.keys import (
    ENABLED_PROPERTY,
    STATE_PROPERTY,
    attach_materials,
    ensure_usable,
    is_replica,
    materials_of,
)
from byok.sandbox.materials import KeyMaterials

_MARKER = "_byok_sandbox_installed"
_lock = threading.Lock()
_ASYMMETRIC_SPEC_PREFIXES = ("RSA_", "ECC_", "SM2")
_PENDING_WINDOW_DAYS = range(7, 31)


def _shared_private_key_for_symmetric(generate: Callable[[str], Any]) -> Callable[[str], Any]:
    """moto makes an RSA-2048 pair for every key, even symmetric ones that never use it (~45 ms each).

    Asymmetric keys still get their own pair; all other keys share one, generated on first need.
    """
    shared = functools.cache(lambda: generate("SYMMETRIC_DEFAULT"))

    def generate_private_key(key_spec: str) -> Any:
        return generate(key_spec) if key_spec.startswith(_ASYMMETRIC_SPEC_PREFIXES) else shared()

    return generate_private_key


def _checked(original: Callable[..., Any], check: Callable[..., None]) -> Callable[..., Any]:
    @functools.wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        check(self, *args, **kwargs)
        return original(self, *args, **kwargs)

    return method


def _refuse_external(backend: Any, key_id: str, *_: Any) -> None:
    """Automatic rotation does not exist for imported material; KMS says so instead of pretending."""
    key = backend.describe_key(key_id)
    if key.origin == "EXTERNAL":
        raise fault("UnsupportedOperationException", f"{key.arn} has imported key material")


def _refuse_while_pending(backend: Any, key_id: str) -> None:
    key = backend.describe_key(key_id)
    if key.key_state in (KeyState.PENDING_IMPORT, KeyState.PENDING_DELETION):
        raise fault("KMSInvalidStateException", f"{key.arn} is {key.key_state}.")


def _check_pending_window(backend: Any, key_id: str, pending_window_in_days: int) -> None:
    if pending_window_in_days not in _PENDING_WINDOW_DAYS:
        raise fault("ValidationException", "PendingWindowInDays must be between 7 and 30")


def _with_materials(create_key: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(create_key)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        key = create_key(self, *args, **kwargs)
        if key.origin == "EXTERNAL":
            attach_materials(key, KeyMaterials(key.id, external=True))
        elif key.key_spec == "SYMMETRIC_DEFAULT":
            attach_materials(key, KeyMaterials.generated(key.id, key.key_material))
        return key

    return method


def _with_replica_materials(replicate_key: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(replicate_key)
    def method(self: Any, key_id: str, replica_region: str) -> Any:
        multi_region.check_replicable(self, key_id, replica_region)
        replica = replicate_key(self, self.get_key_id(key_id), replica_region)
        materials = materials_of(replica)  # still the primary's: moto copied the primary object
        if materials is not None:
            attach_materials(replica, materials.replica())
        multi_region.adopt(replica)
        return replica

    return method


def rotate_key_on_demand(self: Any, key_id: str) -> str:
    key = self.describe_key(key_id)
    materials = materials_of(key)
    if materials is None or key.key_spec != "SYMMETRIC_DEFAULT":
        raise fault("UnsupportedOperationException", "on-demand rotation needs a symmetric encryption key")
    if is_replica(key):
        raise fault("UnsupportedOperationException", f"{key.arn} is a replica key: rotate its primary Region key")
    ensure_usable(key)
    with multi_region.changing(key):  # the new material becomes CURRENT in every Region of the set
        materials.rotate(clock.now())
    return key.id


def _with_material_metadata(to_dict: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    """DescribeKey's CurrentKeyMaterialId, and ValidTo/ExpirationModel once an EXTERNAL key has material."""

    @functools.wraps(to_dict)
    def method(self: Any) -> dict[str, Any]:
        result = to_dict(self)
        materials = materials_of(self)
        current = materials.current() if materials is not None else None
        if materials is None or current is None:
            return result
        metadata = result["KeyMetadata"]
        metadata["CurrentKeyMaterialId"] = current.material_id
        if materials.external:
            valid_to = materials.earliest_valid_to()
            metadata["ExpirationModel"] = (
                "KEY_MATERIAL_EXPIRES" if valid_to is not None else "KEY_MATERIAL_DOES_NOT_EXPIRE"
            )
            if valid_to is not None:
                metadata["ValidTo"] = valid_to.timestamp()
        return result

    return method


_AWS_MRK_ID = re.compile(r"^mrk-[0-9a-f]{32}$")


def _aws_shaped_key_id(multi_region: bool = False) -> str:
    """Key IDs as KMS spells them: a multi-Region key's is ``mrk-`` and 32 hex digits (moto puts a dashed UUID
    after ``mrk-``, which no real key has and which byok's key-reference parser rightly refuses)."""
    key = mock_random.uuid4()
    return f"mrk-{key.hex}" if multi_region else str(key)


def _accepting_aws_mrk_ids(validate: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(validate)
    def method(self: Any, key_id: str) -> None:
        if not _AWS_MRK_ID.match(key_id):
            validate(self, key_id)
        elif key_id not in self.kms_backend.keys:
            raise NotFoundException(f"Key '{self._display_arn(key_id)}' does not exist")

    return method


def _patch_key(key_class: Any) -> None:
    key_class.key_state = STATE_PROPERTY
    key_class.enabled = ENABLED_PROPERTY
    key_class.to_dict = _with_material_metadata(key_class.to_dict)


def _patch_backend(backend: Any) -> None:
    backend.create_key = _with_materials(backend.create_key)
    backend.replicate_key = _with_replica_materials(backend.replicate_key)
    backend.rotate_key_on_demand = rotate_key_on_demand
    for name in ("enable_key_rotation", "disable_key_rotation", "get_key_rotation_status"):
        setattr(backend, name, _checked(getattr(backend, name), _refuse_external))
    backend.enable_key = _checked(backend.enable_key, _refuse_while_pending)
    backend.disable_key = _checked(backend.disable_key, _refuse_while_pending)
    backend.schedule_key_deletion = _checked(backend.schedule_key_deletion, _check_pending_window)


def _patch_responses(response: Any) -> None:
    response._validate_cmk_id = _accepting_aws_mrk_ids(response._validate_cmk_id)
    response.get_parameters_for_import = kms_api.get_parameters_for_import
    response.import_key_material = kms_api.import_key_material
    response.delete_imported_key_material = kms_api.delete_imported_key_material
    response.list_key_rotations = kms_api.list_key_rotations
    response.get_key_last_usage = usage.get_key_last_usage
    response.decrypt = kms_api.with_material_ids(response.decrypt, kms_api.decrypt_fields)
    response.generate_data_key = kms_api.with_material_ids(response.generate_data_key, kms_api.data_key_fields)
    response.re_encrypt = kms_api.with_material_ids(response.re_encrypt, kms_api.re_encrypt_fields)


def install() -> None:
    """Patch moto's KMS once per process; later calls do nothing, so every entry point may call it."""
    with _lock:
        if getattr(kms_models.KmsBackend, _MARKER, False):
            return
        kms_models.generate_private_key = _shared_private_key_for_symmetric(kms_models.generate_private_key)
        kms_models.generate_key_id = _aws_shaped_key_id
        kms_models.encrypt = symmetric.encrypt
        kms_models.decrypt = symmetric.decrypt
        _patch_key(kms_models.Key)
        _patch_backend(kms_models.KmsBackend)
        _patch_responses(kms_responses.KmsResponse)
        setattr(kms_models.KmsBackend, _MARKER, True)
