"""Benchmark: ``byok drift live`` against the floor (a bare boto3 script making only the minimal calls).

Seeds >= 5,000 resources across 2 accounts x 2 regions on one in-process sandbox server (the second account
through STS AssumeRole, which moto answers with credentials bound to that account), then times, in the same
process and at the same concurrency, our live scan and a bare script that makes exactly the list/describe
calls the collectors need. Both build their own clients inside the timing. Peak memory of our scan is
measured with tracemalloc (it includes the in-process server's allocations while it answers, so it is an
upper bound). Writes bench/results/drift_live.md.

    .venv/bin/python bench/drift_live.py [--per-scope 1260] [--workers 16] [--rounds 2]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from byok.drift.sources.live import LiveSource
from byok.sandbox.server import LocalEndpoint

ACCOUNTS = ("123456789012", "222233334444")
REGIONS = ("eu-central-1", "eu-west-1")
ROLE = "byok-drift-scan"
RESULTS = Path(__file__).parent / "results" / "drift_live.md"
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
            keys = [clients["kms"].create_key()["KeyMetadata"]["Arn"] for _ in range(4)]
            for n, arn in enumerate(keys):
                clients["kms"].create_alias(AliasName=f"alias/bench-{n}", TargetKeyId=arn)
            share = per_scope // 6
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
            count += 6 * share
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda job: job(), jobs))
    return count


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


def timed(job: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    result = job()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-scope", type=int, default=1260, help="resources per account and region")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with LocalEndpoint() as endpoint:
        url = endpoint.url
        start = time.perf_counter()
        resources = seed(url, args.per_scope, args.workers)
        seeding = time.perf_counter() - start
        floor(url, args.workers)  # warm moto's lazily built backends (EC2 is slow the first time) for both
        times: dict[str, list[float]] = {"floor": [], "ours": []}
        facts = calls = 0
        for _ in range(args.rounds):
            elapsed, calls = timed(lambda: floor(url, args.workers))
            times["floor"].append(elapsed)
            elapsed, facts = timed(lambda: ours(url, args.workers))
            times["ours"].append(elapsed)
        tracemalloc.start()
        ours(url, args.workers)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best = {name: min(values) for name, values in times.items()}
    ratio = best["ours"] / best["floor"]
    lines = [
        "# byok drift live: benchmark",
        "",
        f"{resources} seeded resources (+ 4 KMS keys each) in {len(ACCOUNTS)} accounts x {len(REGIONS)} regions on "
        f"one in-process sandbox server (seeded in {seeding:.1f} s); {args.workers} workers; best of {args.rounds}.",
        "",
        "| scan | time (s) | ratio to floor | calls / facts |",
        "|---|---|---|---|",
        f"| floor: bare boto3, minimal calls | {best['floor']:.2f} | 1.00 | {calls} calls |",
        f"| byok drift live (all collectors) | {best['ours']:.2f} | {ratio:.2f} | {facts} facts |",
        "",
        f"Peak memory of our scan (tracemalloc, includes the in-process server's allocations): {peak:.0f} MB; "
        f"process max RSS (server, seeded estate and both scans): {rss:.0f} MB.",
        "",
        "Cloud Custodian is run separately (its own environment); see the lead's bench notes.",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
