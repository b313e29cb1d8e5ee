"""Benchmark: ``byok drift live`` over an organisation, through a Config aggregator, against the per-account API
scan and against Cloud Custodian run per account by c7n-org.

Seeds an AWS Organization of ``--accounts`` accounts (moto's CreateAccount) x 2 regions on one in-process
sandbox: per account and region two imported keys (generation 1 retired, 2 active, with aliases; created
straight in the sandbox's KMS backend by ``byok.sandbox.seed``, as the API would, without wrapping 400 keys
in software first), a recorder, and ``--per-scope`` resources through the APIs (queues, topics, secrets,
tables, volumes, buckets and one log group; every fourth on the retired generation). An organisation
aggregator in the management account collects them all.

Then, with the endpoint's benchmark limits on (KMS request quotas, 25 +- 8 ms latency on every request,
``byok.sandbox.throttle.BENCHMARK``), in the same process and at the same concurrency, it times three ways of
reading the same estate and counts the requests the endpoint answered for each (a WSGI counter in front of
the sandbox, throttled requests included):
- the API scan: ``LiveSource`` assuming a role in every account (the baseline);
- the Config source: ``ConfigSource`` with ``--aggregator`` (KMS materials and unrecorded types via the APIs);
- Cloud Custodian: ``c7n-org run`` of the policies that ask what the scan asks (bench/custodian.py), in its
  own environment (.venv-c7n), assuming the same role in every account.
Both byok paths must give the same findings, and Cloud Custodian must match every resource seeded on the
retired generation; the table says whether they did. What drives the call ratio is the calls per
account-region of each path: the notes break them down by operation. Writes bench/results/drift_org.md.

    .venv/bin/python -m bench.drift_org [--accounts 100] [--per-scope 50] [--workers 16] [--no-custodian]
"""

from __future__ import annotations

import argparse
import io
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
from botocore.config import Config

from bench import custodian as c7n
from bench.drift_live import ROLE
from bench.drift_live import credentials as assume  # assumes ROLE in the account, as the scans do
from bench.report import Row, write_table
from byok.drift.engine import DriftResult, scan
from byok.drift.intent import Intent
from byok.drift.sources.config import ConfigSource
from byok.drift.sources.live import LiveSource
from byok.sandbox.seed import imported_keys
from byok.sandbox.server import LocalEndpoint
from byok.sandbox.throttle import BENCHMARK

REGIONS = ("eu-central-1", "eu-west-1")
AGGREGATOR = "byok-org"
RETIRED_ALIAS = "alias/app-g1"
RETIRED_RULE = "BYOK-D001"
LOCAL = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
RESULTS = Path(__file__).parent / "results" / "drift_org.md"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Metered:
    """WSGI middleware: count every request by its operation (JSON target, query Action, or REST method)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        operation = environ.get("HTTP_X_AMZ_TARGET") or _query_action(environ)
        with self._lock:
            self.calls[operation] += 1
        return self.app(environ, start_response)

    def total(self) -> int:
        return sum(self.calls.values())


def _query_action(environ: dict[str, Any]) -> str:
    """EC2, SNS, STS, RDS, ...: the Action of a form-encoded POST (the body is put back for the app); else REST."""
    if environ.get("REQUEST_METHOD") == "POST" and "form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", ["?"])[0]
        return f"query.{action}"
    path = environ.get("PATH_INFO", "/").strip("/").split("/")[0]
    return f"rest.{environ.get('REQUEST_METHOD')} /{path and '*'}"


def meter(endpoint: LocalEndpoint) -> Metered:
    wsgi = endpoint._server._server  # type: ignore[union-attr] - the bench measures the server it starts
    metered = Metered(wsgi.app)
    wsgi.app = metered
    return metered


_SESSION = boto3.session.Session()  # one session: each new one would parse every service model again
_SESSION_LOCK = threading.Lock()  # a boto3 session is not thread-safe; its clients are


def clients(url: str, region: str, credentials: dict[str, str], workers: int) -> dict[str, Any]:
    config = Config(max_pool_connections=workers, s3={"addressing_style": "path"}, retries={"mode": "adaptive"})
    services = ("sqs", "sns", "secretsmanager", "dynamodb", "ec2", "logs", "s3", "config")
    with _SESSION_LOCK:
        return {
            s: _SESSION.client(s, endpoint_url=url, region_name=region, config=config, **credentials) for s in services
        }


def generation_keys(account: str, region: str) -> tuple[str, str]:
    """Generations 1 (retired) and 2 (active) of one alias-swap key, each with its generation alias."""
    from moto.kms.models import kms_backends  # the bench serves the endpoint itself

    arns = []
    for generation, state in ((1, "retired"), (2, "active")):
        tags = {"byok:key": "app", "byok:generation": str(generation), "byok:strategy": "alias-swap"}
        (arn,) = imported_keys(account, region, 1, lambda _, t=tags, s=state: {**t, "byok:state": s})
        kms_backends[account][region].create_alias(arn.rsplit("/", 1)[1], f"alias/app-g{generation}")
        arns.append(arn)
    return arns[0], arns[1]


def seed_scope(
    url: str, account: str, region: str, keys: tuple[str, str], credentials: dict[str, str], per_scope: int
) -> int:
    """A recorder and ``per_scope`` resources in one account-region; how many use the retired generation."""
    aws = clients(url, region, credentials, 4)
    retired, active = keys
    role = f"arn:aws:iam::{account}:role/config"
    aws["config"].put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": role, "recordingGroup": {"allSupported": True}}
    )
    aws["config"].put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": f"config-{account}"})
    aws["config"].start_configuration_recorder(ConfigurationRecorderName="default")
    aws["logs"].create_log_group(logGroupName="/app", kmsKeyId=retired)
    on_retired = 1
    for i in range(per_scope - 1):
        key = retired if i % 4 == 0 else active
        on_retired += key == retired
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
    return on_retired


@dataclass(frozen=True)
class Organisation:
    members: list[str]
    retired_keys: list[str]  # ARN of every retired generation, for Cloud Custodian's snapshot filter
    on_retired: int  # resources seeded on a retired generation


def seed(url: str, accounts: int, per_scope: int, workers: int) -> Organisation:
    """An organisation of ``accounts`` accounts, every account and region seeded, and its aggregator."""
    organizations = boto3.client("organizations", endpoint_url=url, region_name=REGIONS[0], **LOCAL)
    organizations.create_organization(FeatureSet="ALL")
    for n in range(accounts - 1):
        organizations.create_account(AccountName=f"member-{n}", Email=f"member-{n}@example.com")
    members = [a["Id"] for page in organizations.get_paginator("list_accounts").paginate() for a in page["Accounts"]]
    credentials = {account: assume(url, account) for account in members}
    jobs = [(account, region) for account in members for region in REGIONS]
    keys = {job: generation_keys(*job) for job in jobs}  # in this thread: moto's backends are not locked
    with ThreadPoolExecutor(workers) as pool:
        seeded = pool.map(lambda job: seed_scope(url, *job, keys[job], credentials[job[0]], per_scope), jobs)
        on_retired = sum(seeded)
    config = boto3.client("config", endpoint_url=url, region_name=REGIONS[0], **LOCAL)
    config.put_configuration_aggregator(
        ConfigurationAggregatorName=AGGREGATOR,
        OrganizationAggregationSource={
            "RoleArn": f"arn:aws:iam::{members[0]}:role/aggregator",
            "AwsRegions": list(REGIONS),
        },
    )
    return Organisation(members, [retired for retired, _ in keys.values()], on_retired)


@dataclass(frozen=True)
class Measured:
    seconds: float
    calls: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def timed(work: Callable[[], Any], metered: Metered) -> tuple[Measured, Any]:
    metered.calls.clear()
    started = time.perf_counter()
    result = work()
    return Measured(time.perf_counter() - started, Counter(metered.calls)), result


def findings(result: DriftResult) -> set[tuple[str, str]]:
    return {(f.rule_id, f.resource.id) for f in result.findings}


def per_scope(measured: Measured, scopes: int, top: int = 8) -> str:
    """The calls of one path per account-region, by operation, most first: what drives the ratio."""
    parts = [f"{count / scopes:.2f} {operation}" for operation, count in measured.calls.most_common(top)]
    rest = measured.total - sum(count for _, count in measured.calls.most_common(top))
    return (
        f"{measured.total / scopes:.2f} per account-region: "
        + ", ".join(parts)
        + (f", {rest / scopes:.2f} other" if rest else "")
    )


def run(
    out: Path, accounts: int = 100, per_scope_resources: int = 50, workers: int = 16, custodian: bool = True
) -> str:
    # moto loads ~1,285 Amazon AMI snapshots per account-region and returns them to DescribeSnapshots(OwnerIds=self),
    # seconds per call: no real account owns them, so the bench leaves them out (every path calls it per region).
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    session = boto3.session.Session(**LOCAL)
    with LocalEndpoint() as endpoint:
        metered = meter(endpoint)
        started = time.perf_counter()
        org = seed(endpoint.url, accounts, per_scope_resources, workers)
        seeding = time.perf_counter() - started
        endpoint.set_limits(BENCHMARK)
        members = org.members
        common = {"endpoint_url": endpoint.url, "workers": workers, "session": session}
        api, api_result = timed(lambda: scan([LiveSource(REGIONS, members, ROLE, **common)], Intent()), metered)
        config_source = ConfigSource(REGIONS, members, AGGREGATOR, ROLE, **common)
        cfg, cfg_result = timed(lambda: scan([config_source], Intent()), metered)
        peer = peer_run = None
        if custodian:
            peer, peer_run = timed(
                lambda: c7n.run_org(endpoint.url, tuple(members), REGIONS, ROLE, RETIRED_ALIAS, org.retired_keys),
                metered,
            )
        throttled = sum(endpoint.limits_route.throttled.values())
    scopes = len(members) * len(REGIONS)
    same = findings(api_result) == findings(cfg_result)
    on_retired = {
        name: sum(1 for f in r.findings if f.rule_id == RETIRED_RULE)
        for name, r in (("api", api_result), ("config", cfg_result))
    }
    notes = [
        f"{len(members)} accounts x {len(REGIONS)} regions = {scopes} account-regions, {per_scope_resources} resources "
        f"and 2 imported keys each ({scopes * per_scope_resources} resources, {org.on_retired} on the retired "
        f"generation); seeded in {seeding:.1f} s (not timed)",
        "endpoint limits on while timing: KMS request quotas and 25 +- 8 ms latency on every request "
        f"(byok.sandbox.throttle.BENCHMARK); {throttled} request(s) throttled; moto's default AMI snapshots not "
        "loaded (MOTO_EC2_LOAD_DEFAULT_AMIS=false)",
        f"API calls: API scan {api.total}, Config aggregator {cfg.total} "
        f"({api.total / max(cfg.total, 1):.1f}x fewer; target >= 10x)",
        f"wall time: {api.seconds / cfg.seconds:.1f}x faster through the aggregator (target >= 5x)",
        f"same findings: {'yes' if same else 'NO'} ({len(findings(api_result))} API, {len(findings(cfg_result))} "
        f"Config; {RETIRED_RULE} on {on_retired['api']} / {on_retired['config']} resources, seeded {org.on_retired})",
        f"API scan calls {per_scope(api, scopes)}",
        f"Config aggregator calls {per_scope(cfg, scopes)}",
        f"Config source: {config_source.name}",
    ]
    rows = [Row("Config aggregator (ConfigSource)", cfg.seconds, cfg.total, "per item = per API call")]
    if peer is not None and peer_run is not None:
        rows.append(
            Row("Cloud Custodian, c7n-org run per account", peer.seconds, peer.total, "per item = per API call")
        )
        notes += [
            f"Cloud Custodian calls {per_scope(peer, scopes)}",
            f"Cloud Custodian (c7n 0.9.53, c7n-org 0.6.52, own venv .venv-c7n): `c7n-org run --cache-period 0` over "
            f"every account and region with its default pool (cpu x 4 worker processes), assuming {ROLE}; one "
            "patch: `SQS.get_client` ignores AWS_ENDPOINT_URL; matched "
            f"{peer_run.retired_hits} resources on {RETIRED_ALIAS} (seeded {org.on_retired}); "
            f"{api.seconds / peer.seconds if peer.seconds else 0:.2f}x the API scan's speed, "
            f"{peer.seconds / cfg.seconds:.1f}x slower and {peer.total / max(cfg.total, 1):.1f}x more calls than the "
            f"aggregator; peak RSS {peer_run.peak_mb[0]:.0f} MB",
        ]
        if peer_run.retired_hits != org.on_retired:
            notes.append("Cloud Custodian did NOT match what was seeded: its row compares different work")
    else:
        notes.append("Cloud Custodian: not run (--no-custodian)")
    return write_table(
        out / "drift_org.md",
        "drift live over an organisation: Config aggregator vs per-account API scan vs c7n-org",
        Row("API scan (LiveSource, role per account)", api.seconds, api.total, "per item = per API call"),
        rows,
        notes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=RESULTS.parent)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--per-scope", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--no-custodian", action="store_true", help="skip the c7n-org row (no .venv-c7n)")
    args = parser.parse_args()
    print(run(args.out, args.accounts, args.per_scope, args.workers, not args.no_custodian))


if __name__ == "__main__":
    main()
