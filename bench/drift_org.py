"""Benchmark: ``byok drift live`` over an organisation, through a Config aggregator against the per-account API scan.

Seeds an AWS Organization of ``--accounts`` accounts (moto's CreateAccount) x 2 regions on one in-process
sandbox: per account and region two imported keys (generation 1 retired, 2 active, with aliases), a recorder,
and ``--per-scope`` resources (queues, topics, secrets, tables, volumes, buckets and one log group; every
fourth on the retired generation). An organisation aggregator in the management account collects them all.

Then, in the same process and at the same concurrency, it times the two ways of reading the same estate and
counts the requests the endpoint answered for each (a WSGI counter in front of the sandbox):
- the API scan: ``LiveSource`` assuming a role in every account (the baseline);
- the Config source: ``ConfigSource`` with ``--aggregator`` (KMS materials and unrecorded types via the APIs).
Both must give the same findings; the table says whether they did.

Latency: every request waits ``--latency-ms`` (default 20 ms) in the harness before the sandbox answers it,
for every service: the endpoint's own per-service latency model (issue 12) covers KMS only, so the harness
models it for all services, and says so in the table. The peer row that runs Cloud Custodian per account as
c7n-org does is not built yet. Writes bench/results/drift_org.md.

    .venv/bin/python -m bench.drift_org [--accounts 100] [--per-scope 50] [--latency-ms 20] [--workers 16]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_der_public_key

from bench.drift_live import ROLE
from bench.drift_live import credentials as assume  # assumes ROLE in the account, as the scans do
from bench.report import Row, write_table
from byok.drift.engine import DriftResult, scan
from byok.drift.intent import Intent
from byok.drift.sources.config import ConfigSource
from byok.drift.sources.live import LiveSource
from byok.sandbox.server import LocalEndpoint

REGIONS = ("eu-central-1", "eu-west-1")
AGGREGATOR = "byok-org"
LOCAL = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
RESULTS = Path(__file__).parent / "results" / "drift_org.md"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Metered:
    """WSGI middleware: count every request by its action, and make it wait ``latency`` seconds first."""

    def __init__(self, app: WsgiApp, latency: float = 0.0) -> None:
        self.app = app
        self.latency = latency
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET") or f"{environ.get('REQUEST_METHOD')} {environ.get('HTTP_HOST')}"
        with self._lock:
            self.calls[target] += 1
        if self.latency:
            time.sleep(self.latency)
        return self.app(environ, start_response)

    def total(self) -> int:
        return sum(self.calls.values())


def meter(endpoint: LocalEndpoint) -> Metered:
    wsgi = endpoint._server._server  # type: ignore[union-attr] - the bench measures the server it starts
    metered = Metered(wsgi.app)
    wsgi.app = metered
    return metered


def clients(url: str, region: str, credentials: dict[str, str], workers: int) -> dict[str, Any]:
    config = Config(max_pool_connections=workers, s3={"addressing_style": "path"}, retries={"mode": "adaptive"})
    services = ("kms", "sqs", "sns", "secretsmanager", "dynamodb", "ec2", "logs", "s3", "config")
    session = boto3.session.Session()
    return {s: session.client(s, endpoint_url=url, region_name=region, config=config, **credentials) for s in services}


def imported_key(kms: Any, generation: int, state: str) -> str:
    """An EXTERNAL key with one imported material: wrapped here in software (this bench is about reading)."""
    tags = {"byok:key": "app", "byok:generation": str(generation), "byok:strategy": "alias-swap", "byok:state": state}
    key = kms.create_key(Origin="EXTERNAL", Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])
    key_id = key["KeyMetadata"]["KeyId"]
    params = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    wrapped = load_der_public_key(params["PublicKey"]).encrypt(os.urandom(32), oaep)  # type: ignore[union-attr]
    kms.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    kms.create_alias(AliasName=f"alias/app-g{generation}", TargetKeyId=key_id)
    return key["KeyMetadata"]["Arn"]


def seed_scope(url: str, account: str, region: str, credentials: dict[str, str], per_scope: int) -> int:
    aws = clients(url, region, credentials, 4)
    retired, active = imported_key(aws["kms"], 1, "retired"), imported_key(aws["kms"], 2, "active")
    role = f"arn:aws:iam::{account}:role/config"
    aws["config"].put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": role, "recordingGroup": {"allSupported": True}}
    )
    aws["config"].put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": f"config-{account}"})
    aws["config"].start_configuration_recorder(ConfigurationRecorderName="default")
    aws["logs"].create_log_group(logGroupName="/app", kmsKeyId=retired)
    for i in range(per_scope - 1):
        key = retired if i % 4 == 0 else active
        kind = i % 6
        if kind == 0:
            aws["sqs"].create_queue(QueueName=f"q-{i}", Attributes={"KmsMasterKeyId": key})
        elif kind == 1:
            aws["sns"].create_topic(Name=f"t-{i}", Attributes={"KmsMasterKeyId": key})
        elif kind == 2:
            aws["secretsmanager"].create_secret(Name=f"s-{i}", SecretString="x", KmsKeyId=key)
        elif kind == 3:
            aws["dynamodb"].create_table(
                TableName=f"t-{i}",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
            )
        elif kind == 4:
            aws["ec2"].create_volume(AvailabilityZone=f"{region}a", Size=1, Encrypted=True, KmsKeyId=key)
        else:
            name = f"b-{account}-{region}-{i}"
            aws["s3"].create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
            rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}
            aws["s3"].put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})
    return per_scope


def seed(url: str, accounts: int, per_scope: int, workers: int) -> list[str]:
    """An organisation of ``accounts`` accounts, every account and region seeded, and its aggregator."""
    organizations = boto3.client("organizations", endpoint_url=url, region_name=REGIONS[0], **LOCAL)
    organizations.create_organization(FeatureSet="ALL")
    for n in range(accounts - 1):
        organizations.create_account(AccountName=f"member-{n}", Email=f"member-{n}@example.com")
    members = [a["Id"] for page in organizations.get_paginator("list_accounts").paginate() for a in page["Accounts"]]
    credentials = {account: assume(url, account) for account in members}
    jobs = [(account, region) for account in members for region in REGIONS]
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda job: seed_scope(url, job[0], job[1], credentials[job[0]], per_scope), jobs))
    config = boto3.client("config", endpoint_url=url, region_name=REGIONS[0], **LOCAL)
    config.put_configuration_aggregator(
        ConfigurationAggregatorName=AGGREGATOR,
        OrganizationAggregationSource={
            "RoleArn": f"arn:aws:iam::{members[0]}:role/aggregator",
            "AwsRegions": list(REGIONS),
        },
    )
    return members


def timed(source: Any, metered: Metered) -> tuple[float, int, DriftResult]:
    metered.calls.clear()
    started = time.perf_counter()
    result = scan([source], Intent())
    return time.perf_counter() - started, metered.total(), result


def findings(result: DriftResult) -> set[tuple[str, str]]:
    return {(f.rule_id, f.resource.id) for f in result.findings}


def run(out: Path, accounts: int = 100, per_scope: int = 50, latency_ms: float = 20.0, workers: int = 16) -> str:
    # moto loads ~1,285 Amazon AMI snapshots per account-region and returns them to DescribeSnapshots(OwnerIds=self),
    # seconds per call: no real account owns them, so the bench leaves them out (both scans call it per region).
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    session = boto3.session.Session(**LOCAL)
    with LocalEndpoint() as endpoint:
        metered = meter(endpoint)
        started = time.perf_counter()
        members = seed(endpoint.url, accounts, per_scope, workers)
        seeding = time.perf_counter() - started
        metered.latency = latency_ms / 1000
        common = {"endpoint_url": endpoint.url, "workers": workers, "session": session}
        api_s, api_calls, api = timed(LiveSource(REGIONS, members, ROLE, **common), metered)
        config_source = ConfigSource(REGIONS, members, AGGREGATOR, ROLE, **common)
        cfg_s, cfg_calls, cfg = timed(config_source, metered)
    scopes = len(members) * len(REGIONS)
    same = findings(api) == findings(cfg)
    notes = [
        f"{len(members)} accounts x {len(REGIONS)} regions = {scopes} account-regions, {per_scope} resources and 2 "
        f"imported keys each ({scopes * per_scope} resources); seeded over HTTP in {seeding:.1f} s (not timed)",
        f"latency {latency_ms:.0f} ms per request for every service, modelled in the harness (WSGI middleware); "
        "moto's default AMI snapshots not loaded (MOTO_EC2_LOAD_DEFAULT_AMIS=false)",
        f"API calls answered: API scan {api_calls}, Config source {cfg_calls} "
        f"({api_calls / max(cfg_calls, 1):.1f}x fewer; target >= 10x)",
        f"wall time: {api_s / cfg_s:.1f}x faster through the aggregator (target >= 5x)",
        f"same findings: {'yes' if same else 'NO'} ({len(findings(api))} API, {len(findings(cfg))} Config)",
        f"Config source: {config_source.name}",
        "peer row (Cloud Custodian per account, as c7n-org runs it): not built",
    ]
    return write_table(
        out / "drift_org.md",
        "drift live over an organisation: Config aggregator vs per-account API scan",
        Row("API scan (LiveSource, role per account)", api_s, api_calls, "per item = per API call"),
        [Row("Config aggregator (ConfigSource)", cfg_s, cfg_calls, "per item = per API call")],
        notes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=RESULTS.parent)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--per-scope", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    print(run(args.out, args.accounts, args.per_scope, args.latency_ms, args.workers))


if __name__ == "__main__":
    main()
