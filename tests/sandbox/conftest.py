"""Every sandbox test talks to a real HTTP endpoint through boto3, one endpoint per xdist worker."""

from __future__ import annotations

import os
from typing import Any

import pytest

from support.sandbox import import_material, sandbox, sandbox_kms, sandbox_kms_client

__all__ = ["sandbox", "sandbox_kms", "sandbox_kms_client"]


@pytest.fixture
def kms(sandbox_kms: Any) -> Any:
    return sandbox_kms


@pytest.fixture
def external_key(kms: Any) -> str:
    return kms.create_key(Origin="EXTERNAL", Description="byok sandbox test")["KeyMetadata"]["KeyId"]


@pytest.fixture
def imported_key(kms: Any, external_key: str) -> tuple[str, bytes]:
    """An EXTERNAL key with one CURRENT material that never expires, and that material."""
    material = os.urandom(32)
    import_material(kms, external_key, material)
    return external_key, material
