"""KMS operations moto lacks or answers wrongly, as ``KmsResponse`` methods reading the request like moto does.

Each handler validates the request the way the API reference describes, then delegates the rules to
``materials`` and ``tokens``. Refusals that do not depend on the wrapped material come before the import
token is spent, so a malformed request does not cost the caller a fresh GetParametersForImport.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from byok.model import ExpirationModel, ImportType, KeyState, WrappingAlgorithm, WrappingKeySpec
from byok.sandbox import clock, multi_region
from byok.sandbox.faults import fault
from byok.sandbox.keys import materials_of
from byok.sandbox.materials import ImportTerms, KeyMaterials, Material
from byok.sandbox.symmetric import material_id_in
from byok.sandbox.tokens import ImportTokenStore
from byok.sandbox.unwrap import unwrap
from byok.sandbox.wrapping_keys import POOL

Handler = Callable[[Any], str]
E = TypeVar("E", bound=enum.Enum)

MAX_VALID_TO = timedelta(days=365)
_SYMMETRIC_MATERIAL_LEN = 32
_MATERIAL_ID = re.compile(r"[a-f0-9]{64}")
_REFUSED_ALGORITHMS = {
    "RSAES_PKCS1_V1_5": ("ValidationException", "RSAES_PKCS1_V1_5 is deprecated for importing key material"),
    "SM2PKE": ("UnsupportedOperationException", "SM2PKE is available only in China Regions"),
}
_REFUSED_SPECS = {"SM2": ("UnsupportedOperationException", "SM2 wrapping keys exist only in China Regions")}
_INCLUDE_KEY_MATERIAL = ("ALL_KEY_MATERIAL", "ROTATIONS_ONLY")


def _choice(kind: type[E], name: str, value: Any, refused: dict[str, tuple[str, str]] | None = None) -> E:
    if value in (refused or {}):
        raise fault(*(refused or {})[value])
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise fault("ValidationException", f"{name} must be one of: {allowed}") from None


def _b64_param(response: Any, name: str, error_code: str) -> bytes:
    try:
        return base64.b64decode(response._get_param(name) or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise fault(error_code, f"{name} is not valid base64") from exc


def _timestamp(value: Any) -> datetime:
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        parsed = datetime.fromisoformat(str(value))
    except (ValueError, OverflowError) as exc:
        raise fault("ValidationException", "ValidTo is not a valid timestamp") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _key(response: Any) -> Any:
    key_id = response._get_param("KeyId")
    response._validate_key_id(key_id)
    return response.kms_backend.describe_key(key_id)


def _external_materials(key: Any) -> KeyMaterials:
    materials = materials_of(key)
    if materials is None or not materials.external:
        raise fault("UnsupportedOperationException", f"{key.arn} does not have EXTERNAL origin")
    return materials


def _token_store(backend: Any) -> ImportTokenStore:
    """Kept in the backend's ``__dict__`` so that moto's reset, which rebuilds backends, drops the tokens."""
    return backend.__dict__.setdefault("byok_import_tokens", ImportTokenStore())


def get_parameters_for_import(self: Any) -> str:
    key = _key(self)
    _external_materials(key)
    if key.key_state == KeyState.PENDING_DELETION:
        raise fault("KMSInvalidStateException", f"{key.arn} is pending deletion.")
    algorithm = _choice(
        WrappingAlgorithm, "WrappingAlgorithm", self._get_param("WrappingAlgorithm"), _REFUSED_ALGORITHMS
    )
    spec = _choice(WrappingKeySpec, "WrappingKeySpec", self._get_param("WrappingKeySpec"), _REFUSED_SPECS)
    private_key = POOL.key_for(spec)
    token, issued = _token_store(self.kms_backend).issue(key.arn, algorithm, private_key, clock.now())
    # DER SubjectPublicKeyInfo: what KMS returns and what `openssl pkeyutl -keyform DER -pubin` reads.
    public_der = private_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return json.dumps(
        {
            "KeyId": key.arn,
            "ImportToken": base64.b64encode(token).decode(),
            "PublicKey": base64.b64encode(public_der).decode(),
            "ParametersValidTo": issued.valid_to.timestamp(),
        }
    )


def _import_terms(response: Any, now: datetime) -> ImportTerms:
    model = _choice(
        ExpirationModel,
        "ExpirationModel",
        response._get_param("ExpirationModel", ExpirationModel.KEY_MATERIAL_EXPIRES.value),
    )
    raw_valid_to = response._get_param("ValidTo")
    valid_to = None
    if model is ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE:
        if raw_valid_to is not None:
            raise fault("ValidationException", "ValidTo is not allowed with KEY_MATERIAL_DOES_NOT_EXPIRE")
    elif raw_valid_to is None:
        raise fault("ValidationException", "ValidTo is required with KEY_MATERIAL_EXPIRES")
    else:
        valid_to = _timestamp(raw_valid_to)
        if not now < valid_to <= now + MAX_VALID_TO:
            raise fault("ValidationException", "ValidTo must be in the future and at most 365 days ahead")
    raw_type = response._get_param("ImportType")
    material_id = response._get_param("KeyMaterialId")
    if material_id is not None and not _MATERIAL_ID.fullmatch(material_id):
        raise fault("ValidationException", "KeyMaterialId must be 64 lowercase hex characters")
    return ImportTerms(
        import_type=None if raw_type is None else _choice(ImportType, "ImportType", raw_type),
        material_id=material_id,
        expiration_model=model,
        valid_to=valid_to,
        description=response._get_param("KeyMaterialDescription"),
    )


def import_key_material(self: Any) -> str:
    key = _key(self)
    materials = _external_materials(key)
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise fault("UnsupportedOperationException", "the sandbox imports SYMMETRIC_DEFAULT key material only")
    if key.key_state not in (KeyState.ENABLED, KeyState.PENDING_IMPORT):
        raise fault("KMSInvalidStateException", f"{key.arn} is {key.key_state}.")
    now = clock.now()
    terms = _import_terms(self, now)
    import_type = materials.resolve_import_type(terms)
    token = _b64_param(self, "ImportToken", "InvalidImportTokenException")
    issued = _token_store(self.kms_backend).redeem(token, key.arn, now)
    wrapped = _b64_param(self, "EncryptedKeyMaterial", "ValidationException")
    secret = unwrap(issued.private_key, issued.algorithm, wrapped)
    if len(secret) != _SYMMETRIC_MATERIAL_LEN:
        raise fault("IncorrectKeyMaterialException", "SYMMETRIC_DEFAULT key material must be 256 bits")
    material = materials.import_material(secret, import_type, terms)
    key.key_state = KeyState.ENABLED.value
    multi_region.settle(key)
    return json.dumps({"KeyId": key.arn, "KeyMaterialId": material.material_id})


def delete_imported_key_material(self: Any) -> str:
    key = _key(self)
    material = _external_materials(key).delete(self._get_param("KeyMaterialId"))
    multi_region.settle(key)  # a pending material deleted on the primary goes from the replicas too
    return json.dumps({"KeyId": key.arn, "KeyMaterialId": material.material_id})


def _rotation_entry(key: Any, materials: KeyMaterials, material: Material) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "KeyId": key.id,
        "KeyMaterialId": material.material_id,
        "KeyMaterialState": material.state.value,
    }
    if materials.external:
        entry["ImportState"] = material.import_state.value
        if material.expiration_model is not None:
            entry["ExpirationModel"] = material.expiration_model.value
        if material.valid_to is not None:
            entry["ValidTo"] = material.valid_to.timestamp()
        if material.description is not None:
            entry["KeyMaterialDescription"] = material.description
    if material.rotation_date is not None:
        entry["RotationDate"] = material.rotation_date.timestamp()
        entry["RotationType"] = "ON_DEMAND"
    return entry


def _page_bounds(response: Any) -> tuple[int, int]:
    limit = response._get_param("Limit", 100)
    if not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise fault("ValidationException", "Limit must be between 1 and 1000")
    marker = response._get_param("Marker")
    if marker is None:
        return 0, limit
    if not str(marker).isdigit():
        raise fault("InvalidMarkerException", "Marker was not returned by ListKeyRotations")
    return int(marker), limit


def list_key_rotations(self: Any) -> str:
    key = _key(self)
    materials = materials_of(key)
    if materials is None or key.key_spec != "SYMMETRIC_DEFAULT":
        raise fault("UnsupportedOperationException", "only symmetric encryption keys have key rotations")
    include = self._get_param("IncludeKeyMaterial", "ROTATIONS_ONLY")
    if include not in _INCLUDE_KEY_MATERIAL:
        raise fault("ValidationException", f"IncludeKeyMaterial must be one of: {', '.join(_INCLUDE_KEY_MATERIAL)}")
    offset, limit = _page_bounds(self)
    multi_region.settle(key)
    materials.expire(clock.now())
    listed = [m for m in materials.entries() if include == "ALL_KEY_MATERIAL" or m.rotation_date is not None]
    page = listed[offset : offset + limit]
    body: dict[str, Any] = {
        "Rotations": [_rotation_entry(key, materials, m) for m in page],
        "Truncated": offset + limit < len(listed),
    }
    if body["Truncated"]:
        body["NextMarker"] = str(offset + limit)
    return json.dumps(body)


def with_material_ids(original: Handler, fields: Callable[[Any, dict[str, Any]], dict[str, str]]) -> Handler:
    """Add the KeyMaterialId fields the 2025 API returns to a moto handler whose answer is otherwise right."""

    def handler(self: Any) -> str:
        body = json.loads(original(self))
        body.update(fields(self, body))
        return json.dumps(body)

    handler.__name__ = original.__name__
    return handler


def _blob(encoded: str) -> bytes:
    return base64.b64decode(encoded)


def decrypt_fields(self: Any, body: dict[str, Any]) -> dict[str, str]:
    return {"KeyMaterialId": material_id_in(self._get_param("CiphertextBlob"))}


def data_key_fields(self: Any, body: dict[str, Any]) -> dict[str, str]:
    return {"KeyMaterialId": material_id_in(_blob(body["CiphertextBlob"]))}


def re_encrypt_fields(self: Any, body: dict[str, Any]) -> dict[str, str]:
    return {
        "SourceKeyMaterialId": material_id_in(self._get_param("CiphertextBlob")),
        "DestinationKeyMaterialId": material_id_in(_blob(body["CiphertextBlob"])),
    }
