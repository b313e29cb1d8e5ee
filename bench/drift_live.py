"""Benchmark: ``byok drift live`` against the floor (a bare boto3 script making only the minimal calls).

Seeds >= 5,000 resources across 2 accounts x 2 regions on one in-process sandbox server (the second account
through STS AssumeRole, which moto answers with credentials bound to that account), then times, in the same
process and at the same concurrency, our live scan and a bare script that makes exactly the list/describe
calls the collectors need. Both build their own clients inside the timing. Peak memory of our scan is
measured with tracemalloc (it includes the in-process server's allocations while it answers, so it is an
upper bound). With ``--custodian``, our scan also runs in a process of its own (which gives its true peak
memory instead) and Cloud Custodian runs its equivalent policies against the same server and estate, in
the same run (bench/custodian.py). Writes bench/results/drift_live.md.

    .venv/bin/python -m bench.drift_live [--per-scope 1260] [--workers 32] [--rounds 2] [--custodian]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from bench import custodian as c7n
from byok.drift.sources.live import DEFAULT_WORKERS, LiveSource

ACCOUNTS = ("123456789012", "222233334444")
REGIONS = ("eu-central-1", "eu-west-1")
ROLE = "byok-drift-scan"
REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "drift_live.md"
KEYS_PER_SCOPE = 4
KINDS = 6  # queues, topics, log groups, secrets, tables, buckets
Alone = tuple[float, int, float, float]  # our own-process scan: best seconds, facts, peak MB, slowest seconds
RETIRED = "alias/bench-0"  # the estate's retired generation: every KEYS_PER_SCOPE-th resource of each kind
LOCAL = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def credentials(url: str, account: str) -> dict[str, str]:
    sts = boto3.client("sts", endpoint_url=url, region_name=REGIONS[0], **LOCAL)
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench")["Credentials"]
    return {
        "aws_access_key_id": assumed["AccessKeyId"],
        "aws_secret_access_key": assumed["SecretAccessKey"],
        "aws_session_token": assumed["SessionToken"],
    }


def seed(url: str, per_scope: int, workers: int) -> int:
    """Per account and region: keys with aliases, then queues, topics, log groups, tables, secrets, buckets."""
    config = Config(max_pool_connections=workers, s3={"addressing_style": "path"})
    session = boto3.session.Session()
    jobs: list[Callable[[], Any]] = []
    count = 0
    for account in ACCOUNTS:
        creds = credentials(url, account)
        for region in REGIONS:
            clients = {
                s: session.client(s, endpoint_url=url, region_name=region, config=config, **creds)
                for s in ("kms", "sqs", "sns", "logs", "dynamodb", "secretsmanager", "s3")
            }
            keys = [clients["kms"].create_key()["KeyMetadata"]["Arn"] for _ in range(KEYS_PER_SCOPE)]
            for n, arn in enumerate(keys):
                clients["kms"].create_alias(AliasName=f"alias/bench-{n}", TargetKeyId=arn)
            share = per_scope // KINDS
            tag = f"{account[-4:]}-{region}"
            for i in range(share):
                key = keys[i % len(keys)]
                jobs += [
                    lambda c=clients, i=i, k=key: c["sqs"].create_queue(
                        QueueName=f"q-{i}", Attributes={"KmsMasterKeyId": k}
                    ),
                    lambda c=clients, i=i, k=key: c["sns"].create_topic(
                        Name=f"t-{i}", Attributes={"KmsMasterKeyId": k}
                    ),
                    lambda c=clients, i=i, k=key: c["logs"].create_log_group(logGroupName=f"/bench/{i}", kmsKeyId=k),
                    lambda c=clients, i=i, k=key: c["secretsmanager"].create_secret(
                        Name=f"s-{i}", SecretString="x", KmsKeyId=k
                    ),
                    lambda c=clients, i=i, k=key: c["dynamodb"].create_table(
                        TableName=f"t-{i}",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST",
                        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": k},
                    ),
                    lambda c=clients, i=i, k=key, t=tag, r=region: _bucket(c["s3"], f"bench-{t}-{i}", r, k),
                ]
            count += KINDS * share
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda job: job(), jobs))
    return count


def on_retired(per_scope: int) -> int:
    """How many seeded resources use the retired key: the known answer the peer must reproduce."""
    return len(ACCOUNTS) * len(REGIONS) * KINDS * len(range(0, per_scope // KINDS, KEYS_PER_SCOPE))


def retired_keys(url: str) -> list[str]:
    """The ARN behind RETIRED in every account and region, for the peer's filters that match by ARN."""
    arns = []
    for account in ACCOUNTS:
        creds = credentials(url, account)
        for region in REGIONS:
            kms = boto3.client("kms", endpoint_url=url, region_name=region, **creds)
            arns.append(kms.describe_key(KeyId=RETIRED)["KeyMetadata"]["Arn"])
    return arns


def _bucket(s3: Any, name: str, region: str, key: str) -> None:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})


def ours(url: str, workers: int) -> int:
    source = LiveSource(
        REGIONS,
        accounts=ACCOUNTS,
        role_name=ROLE,
        endpoint_url=url,
        workers=workers,
        session=boto3.session.Session(**LOCAL),
    )
    return sum(1 for _ in source.facts())


LISTINGS = [  # (service, operation, result key, kwargs): what every collector lists, paginated
    ("rds", "describe_db_instances", "DBInstances", {}),
    ("rds", "describe_db_clusters", "DBClusters", {}),
    ("rds", "describe_db_snapshots", "DBSnapshots", {}),
    ("rds", "describe_db_cluster_snapshots", "DBClusterSnapshots", {}),
    ("ec2", "describe_volumes", "Volumes", {}),
    ("ec2", "describe_snapshots", "Snapshots", {"OwnerIds": ["self"]}),
    ("secretsmanager", "list_secrets", "SecretList", {}),
    ("logs", "describe_log_groups", "logGroups", {}),
    ("lambda", "list_functions", "Functions", {}),
    ("efs", "describe_file_systems", "FileSystems", {}),
]


def floor(url: str, workers: int) -> int:
    """The minimal calls, hand-written: listings, then one describe per resource (two per KMS key)."""
    session = boto3.session.Session(**LOCAL)
    config = Config(max_pool_connections=workers, s3={"addressing_style": "path"})
    calls = 0
    with ThreadPoolExecutor(workers) as pool:
        followups = []
        for account in ACCOUNTS:
            creds = credentials(url, account)
            for region in REGIONS:
                c = {
                    s: session.client(s, endpoint_url=url, region_name=region, config=config, **creds)
                    for s in {"kms", "sqs", "sns", "dynamodb", "s3", *(svc for svc, _, _, _ in LISTINGS)}
                }

                def paged(client, op, key, **kw):
                    return [x for page in client.get_paginator(op).paginate(**kw) for x in page.get(key, [])]

                for svc, op, key, kw in LISTINGS:
                    followups.append(
                        pool.submit(lambda cl=c[svc], op=op, key=key, kw=kw: (paged(cl, op, key, **kw), []))
                    )
                followups.append(
                    pool.submit(
                        lambda c=c: (
                            None,
                            [
                                (
                                    c["sqs"].get_queue_attributes,
                                    {"QueueUrl": u, "AttributeNames": ["QueueArn", "KmsMasterKeyId"]},
                                )
                                for u in paged(c["sqs"], "list_queues", "QueueUrls")
                            ],
                        )
                    )
                )
                followups.append(
                    pool.submit(
                        lambda c=c: (
                            None,
                            [
                                (c["sns"].get_topic_attributes, {"TopicArn": t["TopicArn"]})
                                for t in paged(c["sns"], "list_topics", "Topics")
                            ],
                        )
                    )
                )
                followups.append(
                    pool.submit(
                        lambda c=c: (
                            None,
                            [
                                (c["dynamodb"].describe_table, {"TableName": t})
                                for t in paged(c["dynamodb"], "list_tables", "TableNames")
                            ],
                        )
                    )
                )
                followups.append(
                    pool.submit(
                        lambda c=c: (
                            paged(c["kms"], "list_aliases", "Aliases"),
                            [
                                (call, {"KeyId": k["KeyId"]})
                                for k in paged(c["kms"], "list_keys", "Keys")
                                for call in (c["kms"].describe_key, c["kms"].list_resource_tags)
                            ],
                        )
                    )
                )
                if region == REGIONS[0]:
                    followups.append(
                        pool.submit(
                            lambda c=c: (
                                None,
                                [
                                    (c["s3"].get_bucket_encryption, {"Bucket": b["Name"]})
                                    for b in paged(c["s3"], "list_buckets", "Buckets")
                                ],
                            )
                        )
                    )
        describes = []
        for future in followups:
            _, more = future.result()
            calls += 1 + len(more)
            describes += [pool.submit(call, **kw) for call, kw in more]
        for future in describes:
            future.result()
    return calls


def ours_alone(url: str, workers: int, rounds: int) -> Alone:
    """(best seconds, facts, peak MB, slowest seconds) of our scan in a process of its own, as the peer runs.

    In-process, the scan's client threads share one GIL with the server; here, like c7n's, they do not, and
    the peak RSS is the scan's alone rather than the server's and the estate's. Best of ``rounds`` like the
    in-process rows, so that one run slowed by a busy machine does not stand for the scan.
    """
    argv = [sys.executable, "-m", "bench.drift_live", "--scan", url, "--workers", str(workers)]
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        completed = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=REPO)
        facts, peak = json.loads(completed.stdout)
        runs.append((time.perf_counter() - start, facts, peak))
    best = min(runs)
    return (*best, max(runs)[0])


def peer_best(url: str, rounds: int, per_scope: int) -> c7n.CustodianRun:
    """Cloud Custodian's best of ``rounds``, as ours is taken, each round checked to have found what was seeded.

    A round that matched other resources would time different work, so it fails the bench instead.
    """
    runs = []
    for _ in range(rounds):
        run = c7n.run(url, ACCOUNTS, REGIONS, ROLE, RETIRED, retired_keys(url))
        if run.retired_hits != on_retired(per_scope):
            raise RuntimeError(
                f"Cloud Custodian matched {run.retired_hits} resources on {RETIRED}, seeded {on_retired(per_scope)}"
            )
        runs.append(run)
    return min(runs, key=lambda run: run.seconds)


def timed(job: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    result = job()
    return time.perf_counter() - start, result


def best_of(rounds: int, url: str, workers: int) -> tuple[dict[str, float], int, int]:
    """Best seconds of the floor and of our scan over ``rounds``, alternating; the floor's calls, our facts."""
    times: dict[str, list[float]] = {"floor": [], "ours": []}
    facts = calls = 0
    for _ in range(rounds):
        elapsed, calls = timed(lambda: floor(url, workers))
        times["floor"].append(elapsed)
        elapsed, facts = timed(lambda: ours(url, workers))
        times["ours"].append(elapsed)
    return {name: min(values) for name, values in times.items()}, calls, facts


def run(
    out: Path, per_scope: int = 1260, workers: int = DEFAULT_WORKERS, rounds: int = 2, custodian: bool = False
) -> str:
    """One seeded server for every scan: seeding is the slow part, and the peers must see the same estate."""
    from byok.sandbox.server import LocalEndpoint  # here, so that ours_alone()'s process never loads moto
    from byok.sandbox.throttle import BENCHMARK, OFF

    peer = alone = limited_peer = limited_alone = None
    with LocalEndpoint() as endpoint:
        endpoint.reset()  # moto's state is process-wide: an earlier bench of this run (materials) left keys in it
        url = endpoint.url
        start = time.perf_counter()
        resources = seed(url, per_scope, workers)
        seeding = time.perf_counter() - start
        floor(url, workers)  # warm moto's lazily built backends (EC2 is slow the first time) for both
        best, calls, facts = best_of(rounds, url, workers)
        # The same scans again as against AWS: KMS's request quotas and a network round trip on every call.
        endpoint.set_limits(BENCHMARK)
        limited = best_of(rounds, url, workers)[0]
        if custodian:
            limited_alone = ours_alone(url, workers, rounds)
            limited_peer = peer_best(url, rounds, per_scope)
        throttled = sum(endpoint.limits_route.throttled.values())
        endpoint.set_limits(OFF)
        if custodian:
            alone = ours_alone(url, workers, rounds)
            peer = peer_best(url, rounds, per_scope)
            # The scan's own process gives its true peak; the slow tracemalloc round would add only a bound.
            memory = f"Peak memory of our scan in its own process (VmHWM): {alone[2]:.0f} MB"
        else:
            tracemalloc.start()
            ours(url, workers)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            memory = (
                f"Peak memory of our scan (tracemalloc, includes the in-process server's allocations): {peak:.0f} MB"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = best["ours"] / best["floor"]
    limited_ratio = limited["ours"] / limited["floor"]
    lines = [
        "# byok drift live: benchmark",
        "",
        f"{resources} seeded resources (+ {KEYS_PER_SCOPE} KMS keys each) in {len(ACCOUNTS)} accounts x "
        f"{len(REGIONS)} regions on one in-process sandbox server (seeded in {seeding:.1f} s); {workers} workers; "
        f"best of {rounds}.",
        "",
        "| scan | time (s) | ratio to floor | calls / facts |",
        "|---|---|---|---|",
        *scan_rows("", best, calls, facts, alone, peer),
        *scan_rows(", with quotas + latency", limited, calls, facts, limited_alone, limited_peer),
    ]
    lines += [
        "",
        f"{memory}; process max RSS (server, seeded estate and in-process scans): {rss:.0f} MB.",
        "",
        *limited_notes(limited_ratio, limited_alone, limited_peer, throttled),
        "",
        *(custodian_notes(peer, alone, per_scope, ratio) if peer and alone else ["Cloud Custodian: not run."]),
        "",
    ]
    text = "\n".join(lines)
    out.mkdir(parents=True, exist_ok=True)
    (out / RESULTS.name).write_text(text, encoding="utf-8")
    return text


def scan_rows(
    condition: str,
    times: dict[str, float],
    calls: int,
    facts: int,
    alone: Alone | None,
    peer: c7n.CustodianRun | None,
) -> list[str]:
    """The table rows of one condition (as run, or with quotas and latency): floor, ours, and the peer if it ran."""
    floor_s = times["floor"]
    name = "floor: bare boto3, minimal calls" if not condition else "floor"
    rows = [
        f"| {name}{condition} | {floor_s:.2f} | 1.00 | {calls} calls |",
        f"| byok drift live{' (all collectors)' if not condition else condition} | {times['ours']:.2f} | "
        f"{times['ours'] / floor_s:.2f} | {facts} facts |",
    ]
    if peer is not None and alone is not None:
        rows += [
            f"| byok drift live, own process{' (as c7n runs)' if not condition else condition} | {alone[0]:.2f} | "
            f"{alone[0] / floor_s:.2f} | {alone[1]} facts |",
            f"| Cloud Custodian 0.9.53{', equivalent policies' if not condition else condition} | "
            f"{peer.seconds:.2f} | {peer.seconds / floor_s:.2f} | {peer.retired_hits} resources on {RETIRED} |",
        ]
    return rows


def custodian_notes(peer: c7n.CustodianRun, alone: Alone, per_scope: int, ratio: float) -> list[str]:
    """How the peer ran, that it found what was seeded (else the times compare different work), and the targets.

    Our scan is compared with the peer as both run, each in its own process against the server; the
    in-process rows share one GIL with the server and are for the floor ratio only.
    """
    expected = on_retired(per_scope)
    seconds, _, peak, _ = alone
    faster = peer.seconds / seconds
    verdict = {True: "met", False: "NOT met"}
    return [
        f"Cloud Custodian (own venv .venv-c7n, boto3 1.43) ran `custodian run --cache-period 0` once per account and "
        f"region, all {len(ACCOUNTS) * len(REGIONS)} at once as c7n-org does, assuming {ROLE} like our scan, with "
        "AWS_ENDPOINT_URL on this server; wall clock of the whole, process start-up included, best of as many rounds "
        "as ours. It runs in-process with one patch: `SQS.get_client` hard-codes the regional SQS URL and ignores "
        "the endpoint. "
        f"Policies (bench/custodian.py) cover every kind our collectors list; they matched the {expected} seeded "
        f"resources on {RETIRED}. Peak RSS (VmHWM) per c7n process: "
        + ", ".join(f"{mb:.0f}" for mb in peer.peak_mb)
        + " MB.",
        "",
        "Targets (issue 4):",
        f"- within 1.3x of the floor (in-process, best of rounds): {ratio:.2f}x, {verdict[ratio <= 1.3]}",
        f"- at least 3x faster than Cloud Custodian (each in its own process): {faster:.1f}x, {verdict[faster >= 3]}",
        f"- peak memory under 300 MB (our scan's own process, VmHWM): {peak:.0f} MB, {verdict[peak < 300]}",
    ]


def limited_notes(ratio: float, alone: Alone | None, peer: c7n.CustodianRun | None, throttled: int) -> list[str]:
    """What "with quotas + latency" means, and the targets of issue 12 for it."""
    from byok.sandbox.throttle import BENCHMARK

    latency = BENCHMARK.latency
    assert latency is not None
    verdict = {True: "met", False: "NOT met"}
    notes = [
        f"With quotas + latency: the server throttles KMS at AWS's documented request rates (byok.kms.quotas) and "
        f"delays every call by a normal {latency.mean * 1000:.0f} ms (sd {latency.spread * 1000:.0f} ms); it "
        f"answered {throttled} ThrottlingException(s) across those scans.",
        "",
        "Targets (issue 12):",
        f"- within 1.2x of the floor with quotas + latency (in-process, best of rounds): {ratio:.2f}x, "
        f"{verdict[ratio <= 1.2]}",
    ]
    if alone is not None and peer is not None:
        faster = peer.seconds / alone[0]
        notes.append(
            f"- at least 3x faster than Cloud Custodian with quotas + latency (each in its own process): "
            f"{faster:.1f}x, {verdict[faster >= 3]}; against our slowest round ({alone[3]:.2f} s): "
            f"{peer.seconds / alone[3]:.1f}x"
        )
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-scope", type=int, default=1260, help="resources per account and region")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="the scan's default")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--custodian", action="store_true", help="also run Cloud Custodian (make bench-deps)")
    parser.add_argument("--scan", metavar="URL", help=argparse.SUPPRESS)  # ours_alone(): one scan, then exit
    args = parser.parse_args()
    if args.scan:
        print(json.dumps([ours(args.scan, args.workers), c7n.peak_rss_mb()]))
        return
    print(run(RESULTS.parent, args.per_scope, args.workers, args.rounds, args.custodian))


if __name__ == "__main__":
    main()
