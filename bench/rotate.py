"""Benchmark: ``byok rotate apply`` over keys in 2 accounts x 2 regions, with KMS quotas and latency on.

The local endpoint runs in a process of its own (as AWS does: its RSA unwrapping must not share this
process's interpreter) with its request quotas at AWS's documented rates and a network latency. Keys are
created and given a first material with quotas off (set-up, not timed), then every key is proposed a new
generation and ``byok rotate apply`` rotates them all in place, timed: the concurrent run (the CLI, in
this process) and the same work done sequentially, one key after another with unpaced clients, which is
what ``rotate apply`` did before. The baseline is the quota floor: the largest per-account-region key
count divided by that account-region's GetParametersForImport rate, which no client can beat.

    .venv/bin/python -m bench.rotate [--keys 400] [--latency-ms 30] [--latency-sd-ms 10] [--no-sequential]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import resource
import tempfile
import time
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path

import boto3

from bench.report import Row, write_table
from byok.cli.main import main as byok_main
from byok.config import AwsSettings, HsmSettings
from byok.demo import use_local_credentials, write_secret
from byok.estate import EnvironmentState, Generation, GenerationState, ManagedKey
from byok.hsm import Pkcs11Hsm, SoftHsmToken
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient
from byok.model import Strategy
from byok.render import read_tfvars, render_tfvars
from byok.rotation.apply import RotationRunner, pending_rotations
from byok.rotation.canaries import CanaryStore, write_atomically
from byok.rotation.planner import propose
from byok.rotation.scopes import jobs_for

ACCOUNTS = ("123456789012", "222233334444")  # moto's default account, and one reached through a role
REGIONS = ("eu-central-1", "eu-west-1")
ROLE = "byok-bench-rotate"
ENVIRONMENT = "bench"
RESULTS = Path(__file__).parent / "results"


def _serve(conn: Connection) -> None:
    """The endpoint process: serves, and switches its limits when the benchmark asks."""
    from byok.sandbox.server import LocalEndpoint

    with LocalEndpoint() as endpoint:
        conn.send(endpoint.url)
        while True:
            command, argument = conn.recv()
            if command == "limits":
                endpoint.set_limits(argument)
                conn.send(None)
            elif command == "throttled":
                conn.send(dict(endpoint.limits_route.throttled))
            else:
                return


class Endpoint:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.url: str = self._conn.recv()

    def ask(self, command: str, argument: object = None):
        self._conn.send((command, argument))
        return self._conn.recv()

    def stop(self) -> None:
        self._conn.send(("stop", None))
        self._process.join(timeout=30)


def _session(url: str, account: str) -> boto3.session.Session:
    if account == ACCOUNTS[0]:
        return boto3.session.Session()
    sts = boto3.client("sts", endpoint_url=url, region_name=REGIONS[0])
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench")["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
    )


def seed(url: str, count: int) -> EnvironmentState:
    """``count`` external keys spread evenly over the scopes (interleaved by name), each with its alias."""
    scopes = [(account, region) for account in ACCOUNTS for region in REGIONS]
    clients = {scope: _session(url, scope[0]).client("kms", endpoint_url=url, region_name=scope[1]) for scope in scopes}
    keys = []
    for n in range(count):
        account, region = scopes[n % len(scopes)]
        alias = f"bench-{n:04d}"
        key_id = clients[(account, region)].create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        clients[(account, region)].create_alias(AliasName=f"alias/{alias}", TargetKeyId=key_id)
        first = Generation(1, GenerationState.ACTIVE, date(2025, 1, 1))
        keys.append(ManagedKey(f"k{n:04d}", alias, Strategy.IN_PLACE, 365, "", (first,), account, region))
    return EnvironmentState(ENVIRONMENT, tuple(keys))


# SoftHSM2 enforces CKA_WRAP_WITH_TRUSTED, so by default every import would wait for the security officer's
# approval of its wrapping key (tests/cli/test_key_ceremony_cli.py runs that ceremony); this measures the pacing.
CEREMONY_OPT_OUT = '[material]\ntrusted_wrapping = "off"\ntrusted_wrapping_opt_out = "benchmark of quota pacing"\n'


def write_config(config: Path, extra: str = "") -> None:
    config.write_text(
        f'[estate]\norder = ["{ENVIRONMENT}"]\n[environments.{ENVIRONMENT}]\n[rotation]\nrole_name = "{ROLE}"\n'
        + CEREMONY_OPT_OUT
        + extra
    )


def describe_throttled(counts: dict[tuple[str, str, str], int]) -> str:
    """ThrottlingExceptions the endpoint answered, per operation (botocore retried them)."""
    by_operation: dict[str, int] = {}
    for (_, _, operation), count in counts.items():
        by_operation[operation] = by_operation.get(operation, 0) + count
    return ", ".join(f"{count} {name} throttled" for name, count in sorted(by_operation.items())) or "0 throttled"


def apply_cli(config: Path) -> tuple[float, str]:
    """``byok rotate apply`` in this process, as a user runs it; returns wall time and its stderr."""
    err = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = byok_main(["rotate", "apply", "--env", ENVIRONMENT, "--config", str(config)])
    seconds = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"rotate apply failed ({code}): {err.getvalue()[-2000:]}")
    return seconds, err.getvalue()


def propose_all(tfvars: Path) -> None:
    """A new generation for every key, whatever its age (the previous run's generation is from today)."""
    state = read_tfvars(tfvars)
    proposal = propose(state, date.today(), 30, force_keys=tuple(key.name for key in state.keys))
    write_atomically(tfvars, render_tfvars(proposal.after))


def apply_sequentially(url: str, tfvars: Path, state_dir: Path, settings: HsmSettings, pin: str) -> float:
    """Before this issue: one key after another, unpaced clients leaning on botocore's retries."""
    state = read_tfvars(tfvars)
    sessions = {account: _session(url, account) for account in ACCOUNTS}
    started = time.perf_counter()
    with Pkcs11Hsm.open(settings, pin) as hsm:
        choice = hsm.choose_algorithm()
        runners: dict = {}
        for job in jobs_for(state, pending_rotations(state), REGIONS[0]):
            if job.scope not in runners:
                kms = KmsClient(AwsSettings(url, job.scope.region), sessions[job.scope.account])
                runners[job.scope] = RotationRunner(MaterialImporter(hsm, kms, choice), kms, CanaryStore(state_dir))
            for rotation in job.rotations:
                state, _ = runners[job.scope].rotate(state, rotation)
                write_atomically(tfvars, render_tfvars(state))
    return time.perf_counter() - started


def run(out: Path, keys: int = 400, latency_ms: float = 30.0, latency_sd_ms: float = 10.0, sequential: bool = True):
    from byok.sandbox.throttle import OFF, Latency, Limits

    use_local_credentials()
    endpoint = Endpoint()
    try:
        with tempfile.TemporaryDirectory() as work:
            root = Path(work)
            pin = write_secret(root / "pin")
            token = SoftHsmToken.create(root / "hsm", "byok-bench", pin, write_secret(root / "so-pin"))
            settings = HsmSettings(module=token.module, token_label=token.label)
            os.environ.update(
                BYOK_HSM_PIN=pin, BYOK_TOKEN_LABEL=token.label, BYOK_AWS_ENDPOINT=endpoint.url, AWS_REGION=REGIONS[0]
            )
            config = root / "byok.toml"
            write_config(config, "[quotas]\nGetParametersForImport = 1000\n")  # set-up: the endpoint has no quotas
            tfvars = root / "terraform" / ENVIRONMENT / "byok.auto.tfvars"
            tfvars.parent.mkdir(parents=True)
            state = seed(endpoint.url, keys)
            tfvars.write_text(render_tfvars(state))
            setup, _ = apply_cli(config)  # first materials, quotas off: set-up, not measured

            write_config(config)
            limits = Limits(quotas=True, latency=Latency(latency_ms / 1000, latency_sd_ms / 1000))
            propose_all(tfvars)
            endpoint.ask("limits", limits)
            concurrent, progress = apply_cli(config)
            throttled = describe_throttled(endpoint.ask("throttled"))
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            rows = [Row("byok rotate apply (concurrent, paced)", concurrent, keys, throttled)]
            if sequential:
                propose_all(tfvars)
                endpoint.ask("limits", limits)
                rows.append(
                    Row(
                        "one key after another (before)",
                        apply_sequentially(endpoint.url, tfvars, root / ".byok", settings, pin),
                        keys,
                        describe_throttled(endpoint.ask("throttled")),
                    )
                )
            endpoint.ask("limits", OFF)
    finally:
        endpoint.stop()
    scopes = len(ACCOUNTS) * len(REGIONS)
    per_scope = -(-keys // scopes)
    floor = per_scope / 1.0  # GetParametersForImport: 1 per second per account-region
    last_line = next((line for line in reversed(progress.splitlines()) if line.startswith("rotating:")), "")
    notes = [
        f"{keys} in-place keys over {len(ACCOUNTS)} accounts x {len(REGIONS)} regions ({per_scope} per "
        f"account-region); endpoint in its own process with quotas at AWS's rates and latency "
        f"{latency_ms:.0f} ms (sd {latency_sd_ms:.0f} ms); SoftHSM2 token, RSA_4096 wrapping keys",
        f"target: concurrent <= 1.15x the floor; measured {concurrent / floor:.2f}x",
        f"peak RSS of this process after the concurrent run (set-up included): {peak_mb:.0f} MB",
        f"set-up (first materials, quotas off, concurrent): {setup:.1f} s; last progress line: {last_line!r}",
    ]
    return write_table(
        out / "rotate.md",
        "rotate apply under KMS quotas",
        Row("quota floor (largest account-region / GetParametersForImport rate)", floor, keys),
        rows,
        notes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=400)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--latency-sd-ms", type=float, default=10.0)
    parser.add_argument("--no-sequential", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    print(run(args.out, args.keys, args.latency_ms, args.latency_sd_ms, not args.no_sequential))


if __name__ == "__main__":
    main()
