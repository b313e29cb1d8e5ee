"""Request quotas and latency in the local endpoint: off by default, switched on per test, KMS's own answers."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from byok.kms.quotas import SYMMETRIC_CRYPTO, THROTTLING_MESSAGE
from byok.sandbox.server import LocalEndpoint
from byok.sandbox.throttle import Latency, Limits, LimitsRoute
from support.sandbox import ACCOUNT_ID, REGION, error_code, get_parameters

OTHER_ACCOUNT = "210987654321"


def _no_retries(endpoint_url: str, region: str = REGION, **credentials: str) -> Any:
    """boto3 retries ThrottlingException by itself; these tests need to see the first answer."""
    credentials = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(
        "kms", endpoint_url=endpoint_url, region_name=region, config=Config(retries={"total_max_attempts": 1}),
        **credentials,
    )  # fmt: skip


@pytest.fixture
def quotas_on(sandbox: LocalEndpoint, sandbox_kms: Any) -> Iterator[LocalEndpoint]:
    sandbox.set_limits(Limits(quotas=True))
    yield sandbox
    sandbox.reset()


@pytest.fixture
def kms(quotas_on: LocalEndpoint) -> Any:
    return _no_retries(quotas_on.url)


def _external_key(kms: Any) -> str:
    return kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]


def test_quotas_are_off_by_default(sandbox: LocalEndpoint, sandbox_kms: Any) -> None:
    kms = _no_retries(sandbox.url)
    key_id = _external_key(kms)

    assert len([get_parameters(kms, key_id) for _ in range(3)]) == 3


def test_second_get_parameters_for_import_within_a_second_is_throttled_as_kms_does(kms: Any) -> None:
    key_id = _external_key(kms)
    get_parameters(kms, key_id)

    with pytest.raises(ClientError) as caught:
        get_parameters(kms, key_id)

    response = caught.value.response
    assert response["Error"] == {"Code": "ThrottlingException", "Message": THROTTLING_MESSAGE}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    time.sleep(1.05)
    assert get_parameters(kms, key_id)["KeyId"].endswith(key_id)


def test_a_throttled_request_never_reaches_the_service(quotas_on: LocalEndpoint, kms: Any) -> None:
    quotas_on.set_limits(Limits(quotas=True, overrides={"CreateKey": 1}))

    _external_key(kms)
    assert error_code(lambda: _external_key(kms)) == "ThrottlingException"

    assert len(kms.list_keys()["Keys"]) == 1
    assert quotas_on.limits_route.throttled == {(ACCOUNT_ID, REGION, "CreateKey"): 1}


def test_operations_with_their_own_quota_do_not_throttle_each_other(kms: Any) -> None:
    key_id = _external_key(kms)
    get_parameters(kms, key_id)
    assert error_code(lambda: get_parameters(kms, key_id)) == "ThrottlingException"

    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
    assert kms.list_key_rotations(KeyId=key_id)["Rotations"] == []
    kms.create_alias(AliasName="alias/own-quota", TargetKeyId=key_id)
    assert [a["AliasName"] for a in kms.list_aliases(KeyId=key_id)["Aliases"]] == ["alias/own-quota"]


def test_cryptographic_operations_share_one_quota(quotas_on: LocalEndpoint, kms: Any) -> None:
    quotas_on.set_limits(Limits(quotas=True, overrides={SYMMETRIC_CRYPTO: 1}))
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]

    assert error_code(lambda: kms.decrypt(CiphertextBlob=blob)) == "ThrottlingException"
    assert error_code(lambda: kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")) == "ThrottlingException"


def test_quotas_are_per_account_and_per_region(quotas_on: LocalEndpoint, kms: Any) -> None:
    key_id = _external_key(kms)
    get_parameters(kms, key_id)
    assert error_code(lambda: get_parameters(kms, key_id)) == "ThrottlingException"

    other_region = _no_retries(quotas_on.url, "eu-west-1")
    eu_key = _external_key(other_region)
    assert get_parameters(other_region, eu_key)["KeyId"].endswith(eu_key)

    sts = boto3.client(
        "sts", endpoint_url=quotas_on.url, region_name=REGION, aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )  # fmt: skip
    role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/byok"
    assumed = sts.assume_role(RoleArn=role, RoleSessionName="byok-test")["Credentials"]
    other_account = _no_retries(
        quotas_on.url,
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
    )
    other_key = other_account.create_key(Origin="EXTERNAL")["KeyMetadata"]
    assert other_key["AWSAccountId"] == OTHER_ACCOUNT
    assert get_parameters(other_account, other_key["KeyId"])["KeyId"] == other_key["Arn"]


def test_reset_switches_the_limits_back_off(quotas_on: LocalEndpoint, kms: Any) -> None:
    key_id = _external_key(kms)
    get_parameters(kms, key_id)

    quotas_on.reset()

    key_id = _external_key(kms)
    assert len([get_parameters(kms, key_id) for _ in range(3)]) == 3


def test_fixed_latency_delays_every_call(sandbox: LocalEndpoint, sandbox_kms: Any) -> None:
    sandbox.set_limits(Limits(latency=Latency(0.2)))
    try:
        started = time.monotonic()
        sandbox_kms.list_keys()
        elapsed = time.monotonic() - started
    finally:
        sandbox.reset()

    assert elapsed >= 0.2


def _ok_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [])
    return [b"{}"]


def test_distributed_latency_is_sampled_per_call_and_never_negative() -> None:
    slept: list[float] = []
    route = LimitsRoute(_ok_app, Limits(latency=Latency(0.02, 0.03)), sleep=slept.append, rng=random.Random(7))

    for _ in range(400):
        list(route({"PATH_INFO": "/"}, lambda *_: None))
    list(route({"PATH_INFO": "/_byok/clock"}, lambda *_: None))

    assert len(slept) == 400  # the admin route is not delayed
    assert min(slept) == 0.0 and len(set(slept)) > 300
    assert 0.02 < sum(slept) / len(slept) < 0.04  # a normal truncated at zero has a mean above its mu


def test_latency_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        Latency(-0.001)


def test_serve_flags_switch_quotas_and_latency_on() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "byok.cli.main", "sandbox", "serve", "--quotas", "--latency-ms", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        kms = _no_retries(process.stdout.readline().strip())
        key_id = _external_key(kms)
        get_parameters(kms, key_id)
        assert error_code(lambda: get_parameters(kms, key_id)) == "ThrottlingException"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_refuses_a_negative_latency() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "byok.cli.main", "sandbox", "serve", "--latency-ms", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2 and "--latency-ms" in result.stderr
