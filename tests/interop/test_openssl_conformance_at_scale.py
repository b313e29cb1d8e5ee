"""Conformance of the local endpoint with what AWS documents for multi-Region import and rotation, request
throttling and the on-demand rotation limit, with material made and wrapped by the real openssl binary.

Every material here comes from AWS's documented OpenSSL procedure (``support.openssl``), never from byok; the
endpoint's view of what it imported is compared by check value only. Multi-Region rules: ImportKeyMaterial,
RotateKeyOnDemand, DeleteImportedKeyMaterial and ReplicateKey API reference. Throttling: the developer guide's
"Request quotas" page (HTTP 400, ThrottlingException, "You have exceeded the rate at which you may call KMS...").
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest
from botocore.config import Config

from byok.kms.quotas import THROTTLING_MESSAGE
from byok.sandbox import check_value
from byok.sandbox.materials import MAX_ON_DEMAND_ROTATIONS
from byok.sandbox.server import LocalEndpoint
from byok.sandbox.throttle import Limits
from support.openssl import DocumentedWrap
from support.sandbox import ACCOUNT_ID, REGION, client, error_code, sandbox, sandbox_kms, sandbox_kms_client

__all__ = ["sandbox", "sandbox_kms", "sandbox_kms_client"]

REPLICA_REGION = "eu-west-1"


def _import(
    kms: Any, procedure: DocumentedWrap, key_id: str, material: Path, algorithm: str, spec: str, **extra: Any
) -> str:
    """GetParametersForImport in the key's own Region, wrap there with OpenSSL, import; the KeyMaterialId."""
    params = kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=spec)
    return kms.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=procedure.wrap(params["PublicKey"], algorithm, material),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        **extra,
    )["KeyMaterialId"]


def _state_of(kms: Any, key_id: str, material_id: str) -> str:
    rotations = kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    return next(m["KeyMaterialState"] for m in rotations if m["KeyMaterialId"] == material_id)


@pytest.fixture
def multi_region(sandbox: LocalEndpoint, sandbox_kms: Any) -> tuple[str, Any, Any]:
    key_id = sandbox_kms.create_key(Origin="EXTERNAL", MultiRegion=True)["KeyMetadata"]["KeyId"]
    sandbox_kms.replicate_key(KeyId=key_id, ReplicaRegion=REPLICA_REGION)
    return key_id, sandbox_kms, client(sandbox, "kms", REPLICA_REGION)


def test_multi_region_import_and_rotation_with_openssl_wrapped_material(
    multi_region: tuple[str, Any, Any], tmp_path: Path
) -> None:
    key_id, primary, replica = multi_region
    procedure = DocumentedWrap(tmp_path)
    first = procedure.new_material()
    # Each Region wraps under its own wrapping key; the two need not even use the same algorithm.
    first_id = _import(primary, procedure, key_id, first, "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096")
    assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
    assert _import(replica, procedure, key_id, first, "RSAES_OAEP_SHA_1", "RSA_2048") == first_id
    for region in (REGION, REPLICA_REGION):
        assert check_value(ACCOUNT_ID, region, key_id, first_id) == procedure.check_value(first)
    sealed = primary.encrypt(KeyId=key_id, Plaintext=b"dr", EncryptionContext={"tier": "1"})["CiphertextBlob"]
    assert replica.decrypt(CiphertextBlob=sealed, EncryptionContext={"tier": "1"})["Plaintext"] == b"dr"

    second = procedure.new_material()
    second_id = _import(
        primary, procedure, key_id, second, "RSAES_OAEP_SHA_256", "RSA_3072", ImportType="NEW_KEY_MATERIAL"
    )
    assert _state_of(primary, key_id, second_id) == "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    assert error_code(lambda: primary.rotate_key_on_demand(KeyId=key_id)) == "KMSInvalidStateException"
    replica_import = {"ImportType": "EXISTING_KEY_MATERIAL", "KeyMaterialId": second_id}
    assert _import(replica, procedure, key_id, second, "RSA_AES_KEY_WRAP_SHA_1", "RSA_2048", **replica_import) == (
        second_id
    )
    assert _state_of(primary, key_id, second_id) == "PENDING_ROTATION"

    primary.rotate_key_on_demand(KeyId=key_id)

    for kms, region in ((primary, REGION), (replica, REPLICA_REGION)):
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"] == second_id
        assert check_value(ACCOUNT_ID, region, key_id, second_id) == procedure.check_value(second)
        assert kms.decrypt(CiphertextBlob=sealed, EncryptionContext={"tier": "1"})["KeyMaterialId"] == first_id


def test_a_replica_refuses_material_that_differs_from_the_primarys(
    multi_region: tuple[str, Any, Any], tmp_path: Path
) -> None:
    key_id, primary, replica = multi_region
    procedure = DocumentedWrap(tmp_path)
    _import(primary, procedure, key_id, procedure.new_material(), "RSAES_OAEP_SHA_256", "RSA_2048")
    other = procedure.new_material()

    code = error_code(lambda: _import(replica, procedure, key_id, other, "RSAES_OAEP_SHA_256", "RSA_2048"))

    assert code == "IncorrectKeyMaterialException"
    assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_rotation_limit_with_openssl_wrapped_material(sandbox_kms: Any, tmp_path: Path) -> None:
    kms = sandbox_kms
    procedure = DocumentedWrap(tmp_path)
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    _import(kms, procedure, key_id, procedure.new_material(), "RSAES_OAEP_SHA_256", "RSA_2048")
    for _ in range(MAX_ON_DEMAND_ROTATIONS):
        material = procedure.new_material()
        _import(kms, procedure, key_id, material, "RSAES_OAEP_SHA_256", "RSA_2048", ImportType="NEW_KEY_MATERIAL")
        kms.rotate_key_on_demand(KeyId=key_id)
    last = procedure.new_material()

    code = error_code(
        lambda: _import(kms, procedure, key_id, last, "RSAES_OAEP_SHA_256", "RSA_2048", ImportType="NEW_KEY_MATERIAL")
    )

    assert (code, MAX_ON_DEMAND_ROTATIONS) == ("LimitExceededException", 25)
    assert len(kms.list_key_rotations(KeyId=key_id, Limit=100)["Rotations"]) == 25
    current = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    assert check_value(ACCOUNT_ID, REGION, key_id, current) == procedure.check_value(material)


def _raw_kms_call(url: str, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    """One JSON 1.1 request as the SDKs send it (the endpoint reads account and Region from the credential)."""
    request = urllib.request.Request(  # noqa: S310 - the loopback endpoint's own URL
        url,
        data=json.dumps(body).encode(),
        headers={
            "X-Amz-Target": f"TrentService.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20261201/{REGION}/kms/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - loopback endpoint
            return reply.status, dict(reply.headers), json.load(reply)
    except HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def test_throttling_on_the_wire_is_what_kms_sends_and_sdk_retries_absorb_it(
    sandbox: LocalEndpoint, sandbox_kms: Any
) -> None:
    key_id = sandbox_kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    sandbox.set_limits(Limits(quotas=True))
    try:
        request = {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}
        assert _raw_kms_call(sandbox.url, "GetParametersForImport", request)[0] == 200

        status, headers, body = _raw_kms_call(sandbox.url, "GetParametersForImport", request)

        assert (status, body) == (400, {"__type": "ThrottlingException", "message": THROTTLING_MESSAGE})
        assert headers["Content-Type"].startswith("application/x-amz-json-1.1")
        assert headers["x-amzn-RequestId"]
        retrying = client(sandbox, "kms", config=Config(retries={"mode": "standard", "max_attempts": 10}))
        assert retrying.get_parameters_for_import(**request)["KeyId"].endswith(key_id)
        assert sandbox.limits_route.throttled[(ACCOUNT_ID, REGION, "GetParametersForImport")] >= 2
    finally:
        sandbox.reset()
