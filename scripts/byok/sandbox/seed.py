"""Seed many imported keys straight into the sandbox's KMS backend, for scale tests and benchmarks.

100,000 keys through the API would be 400,000 HTTP calls and 100,000 RSA unwraps before the measurement even
starts. Here a key is created by moto's backend (with the sandbox's patches, so it is EXTERNAL and
PendingImport like any other) and its material is imported through the same :class:`KeyMaterials` the API
uses, then enabled as ImportKeyMaterial would. What a scan then reads goes through the API like any other key.
Only usable in the process that serves the endpoint.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from moto.kms.models import kms_backends

from byok.model import ExpirationModel, ImportType, KeyState
from byok.sandbox.keys import materials_of
from byok.sandbox.kms_import import install
from byok.sandbox.materials import ImportTerms

NO_EXPIRY = ImportTerms(None, None, ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE, None, "seeded")


def imported_keys(
    account: str, region: str, count: int, tags: Callable[[int], dict[str, str]] | None = None
) -> list[str]:
    """``count`` EXTERNAL symmetric keys with one CURRENT material each; their ARNs."""
    install()
    backend = kms_backends[account][region]
    arns = []
    for n in range(count):
        tag_list = [{"TagKey": k, "TagValue": v} for k, v in (tags(n) if tags else {}).items()]
        spec = ("ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT")
        key = backend.create_key(None, *spec, f"seeded {n}", tag_list, False, "EXTERNAL")
        materials = materials_of(key)
        assert materials is not None, "the sandbox attaches materials to every EXTERNAL key"
        materials.import_material(os.urandom(32), ImportType.NEW_KEY_MATERIAL, NO_EXPIRY)
        key.key_state = KeyState.ENABLED.value
        arns.append(key.arn)
    return arns
