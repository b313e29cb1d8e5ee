"""Cloud Custodian (c7n 0.9.53) as the peer of ``byok drift live``, against the same seeded local server.

This file has two halves because c7n cannot share the project's environment (it pins boto3 1.43.x):

- the driver, imported by bench/drift_live.py, writes the policies and starts one runner per account and
  region all at once, as c7n-org does (its process pool holds cpu x 4 workers, so 2 accounts x 2 regions
  run together), and times the whole thing wall-clock;
- the runner, this file executed by ``.venv-c7n/bin/python``, is ``custodian run`` in-process with one
  patch: ``SQS.get_client`` hard-codes the regional SQS URL and so ignores ``AWS_ENDPOINT_URL``; the patch
  builds the client the way every other c7n resource does. Nothing else is changed, so the timing is c7n's.

The policies ask what the live scan asks: which resource of each kind byok collects uses the retired key,
and which keys are pending deletion or import. Each uses the filter c7n offers for that kind (``kms-key``
on the key's alias, ``kms-alias`` for RDS and EBS, ``bucket-encryption`` for S3); snapshots have no KMS
filter, so a ``value`` filter matches their key ARN. S3 is global: c7n lists every bucket of the account in
each region it runs, so its policy carries a region condition, as our scan lists buckets once per account.
For an organisation, :func:`run_org` runs c7n-org itself (``c7n-org run``, pinned beside c7n in .venv-c7n):
one accounts file naming the role to assume in each account, every account and region submitted to its
process pool (``cpu x 4`` workers, which import c7n once each and then run one account-region after another).
The same SQS patch applies; the workers are forked, so they inherit it. Matches are counted from the
``resources.json`` c7n-org writes per account, region and policy.
Only the standard library is imported at module level, so the one file loads in both environments.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

C7N_PYTHON = Path(__file__).resolve().parents[1] / ".venv-c7n" / "bin" / "python"
PENDING = "kms-pending"  # the one policy that is about keys rather than resources using the retired key
KMS_KEY_FILTERED = ("sqs", "sns", "dynamodb-table", "log-group", "secrets-manager", "lambda", "efs", "rds-cluster")
KMS_ALIAS_FILTERED = ("rds", "ebs")
NO_KMS_FILTER = ("rds-snapshot", "rds-cluster-snapshot", "ebs-snapshot")


def policies(alias: str, retired_arns: list[str], home_region: str) -> list[dict[str, Any]]:
    """The c7n equivalent of the live scan's collectors, for a key that was retired under ``alias``."""
    by_key = {"type": "kms-key", "key": "c7n:AliasName", "value": alias}
    by_alias = {"type": "kms-alias", "key": "AliasName", "value": alias}
    by_arn = {"type": "value", "key": "KmsKeyId", "op": "in", "value": retired_arns}
    uses_retired = [
        *({"name": kind, "resource": f"aws.{kind}", "filters": [by_key]} for kind in KMS_KEY_FILTERED),
        *({"name": kind, "resource": f"aws.{kind}", "filters": [by_alias]} for kind in KMS_ALIAS_FILTERED),
        *({"name": kind, "resource": f"aws.{kind}", "filters": [by_arn]} for kind in NO_KMS_FILTER),
    ]
    s3 = {
        "name": "s3",
        "resource": "aws.s3",
        "conditions": [{"type": "value", "key": "region", "value": home_region}],
        "query": [{"augment-keys": "detect"}],  # c7n's lean mode: no ACL/policy/tagging/... per bucket
        "filters": [{"type": "bucket-encryption", "state": True, "crypto": "aws:kms", "key": alias}],
    }
    pending = {
        "name": PENDING,
        "resource": "aws.kms-key",
        "filters": [{"type": "value", "key": "KeyState", "op": "in", "value": ["PendingDeletion", "PendingImport"]}],
    }
    return [*uses_retired, s3, pending]


@dataclass(frozen=True)
class CustodianRun:
    seconds: float
    matched: dict[str, int]  # policy -> resources matched, summed over accounts and regions
    peak_mb: list[float]  # peak RSS of each runner process

    @property
    def retired_hits(self) -> int:
        return sum(count for name, count in self.matched.items() if name != PENDING)


def run(
    url: str, accounts: tuple[str, ...], regions: tuple[str, ...], role: str, alias: str, retired_arns: list[str]
) -> CustodianRun:
    """Every account and region at once, each assuming ``role`` like c7n-org; wall-clock of the slowest."""
    with _workspace(alias, retired_arns, regions[0]) as (root, policy_file):
        env = _environment(url, str(root), regions[0])
        scopes = [(account, region, root / f"{account}-{region}") for account in accounts for region in regions]
        started = time.perf_counter()
        runners = [
            _start(out, env, policy_file, f"arn:aws:iam::{account}:role/{role}", region)
            for account, region, out in scopes
        ]
        reports = [_report(runner, out) for runner, (_, _, out) in zip(runners, scopes, strict=True)]
        seconds = time.perf_counter() - started
    matched: dict[str, int] = {}
    for report in reports:
        for name, count in report["matched"].items():
            matched[name] = matched.get(name, 0) + count
    return CustodianRun(seconds, matched, [report["peak_mb"] for report in reports])


def run_org(
    url: str, accounts: tuple[str, ...], regions: tuple[str, ...], role: str, alias: str, retired_arns: list[str]
) -> CustodianRun:
    """``c7n-org run`` over every account and region, assuming ``role`` in each; wall clock of the whole run."""
    with _workspace(alias, retired_arns, regions[0]) as (root, policy_file):
        members = [
            {"account_id": a, "name": a, "role": f"arn:aws:iam::{a}:role/{role}", "regions": list(regions)}
            for a in accounts
        ]
        accounts_file = root / "accounts.json"  # c7n-org reads YAML, and JSON is YAML
        accounts_file.write_text(json.dumps({"accounts": members}), encoding="utf-8")
        out = root / "out"
        (root / "cache").mkdir()
        argv = [str(C7N_PYTHON), __file__, "--org", str(out), "-c", str(accounts_file), "-u", str(policy_file)]
        argv += ["--cache-period", "0", "--cache-path", str(root / "cache")]
        logs = root / "runner"
        logs.mkdir()
        started = time.perf_counter()
        with (logs / "stdout").open("w") as stdout, (logs / "stderr").open("w") as stderr:
            runner = subprocess.Popen(argv, env=_environment(url, str(root), regions[0]), stdout=stdout, stderr=stderr)
        report = _report(runner, logs)
        seconds = time.perf_counter() - started
    return CustodianRun(seconds, report["matched"], [report["peak_mb"]])


@contextlib.contextmanager
def _workspace(alias: str, retired_arns: list[str], home_region: str) -> Iterator[tuple[Path, Path]]:
    """A throw-away directory holding the policies, once c7n is known to be installed."""
    if not os.access(C7N_PYTHON, os.X_OK):
        raise RuntimeError(f"Cloud Custodian not found at {C7N_PYTHON}: run `make bench-deps`")
    with tempfile.TemporaryDirectory(prefix="byok-c7n-") as work:
        policy_file = Path(work) / "policies.json"
        policy_file.write_text(json.dumps({"policies": policies(alias, retired_arns, home_region)}), encoding="utf-8")
        yield Path(work), policy_file


def _environment(url: str, home: str, region: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,  # no ~/.aws of whoever runs the bench
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,  # c7n's STS client for the assumed role has no region of its own
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def _start(out: Path, env: dict[str, str], policy_file: Path, role_arn: str, region: str) -> subprocess.Popen:
    out.mkdir()
    argv = [str(C7N_PYTHON), __file__, str(out), "--assume", role_arn, "--region", region, str(policy_file)]
    # Output to files: a pipe left unread while another runner is awaited could fill and stall it.
    with (out / "stdout").open("w") as stdout, (out / "stderr").open("w") as stderr:
        return subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr)


def _report(runner: subprocess.Popen, out: Path) -> dict[str, Any]:
    if runner.wait() != 0:
        tail = "".join((out / "stderr").read_text(encoding="utf-8").splitlines(keepends=True)[-20:])
        raise RuntimeError(f"custodian run failed ({runner.returncode}) in {out.name}:\n{tail}")
    return json.loads((out / "stdout").read_text(encoding="utf-8"))


def org_runner(out: Path, org_args: list[str]) -> None:
    """In the c7n environment: ``c7n-org run -s OUT ARGS``, then the matches summed per policy, as JSON.

    c7n-org's pool workers are forked from this process, so the SQS patch holds in every one of them; its
    own peak is the parent's, so the workers' peaks are read from their children's high-water mark.
    """
    import resource

    from c7n.resources.sqs import SQS
    from c7n.utils import local_session
    from c7n_org.cli import cli

    SQS.get_client = lambda self: local_session(self.session_factory).client("sqs")
    try:
        cli.main(["run", "-s", str(out), *org_args], standalone_mode=False)
    except SystemExit as exc:  # c7n-org exits 1 when a policy failed somewhere
        if exc.code:
            raise
    matched: dict[str, int] = {}
    for found in out.glob("*/*/*/resources.json"):
        name = found.parent.name
        matched[name] = matched.get(name, 0) + len(json.loads(found.read_text(encoding="utf-8")))
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"matched": matched, "peak_mb": max(peak_rss_mb(), workers_mb)}))


def runner(out: Path, custodian_args: list[str]) -> None:
    """In the c7n environment: ``custodian run -s OUT --cache-period 0 ARGS``, then the counts as JSON."""
    from c7n.cli import main
    from c7n.resources.sqs import SQS
    from c7n.utils import local_session

    SQS.get_client = lambda self: local_session(self.session_factory).client("sqs")
    sys.argv = ["custodian", "run", "-s", str(out), "--cache-period", "0", *custodian_args]
    main()
    matched = {
        found.parent.name: len(json.loads(found.read_text(encoding="utf-8"))) for found in out.glob("*/resources.json")
    }
    print(json.dumps({"matched": matched, "peak_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's own high-water RSS (VmHWM).

    Not ``ru_maxrss``: Linux carries it across exec, so a child of the bench, which holds the whole seeded
    server, would report the bench's size instead of its own.
    """
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


if __name__ == "__main__":
    if sys.argv[1] == "--org":
        org_runner(Path(sys.argv[2]), sys.argv[3:])
    else:
        runner(Path(sys.argv[1]), sys.argv[2:])
