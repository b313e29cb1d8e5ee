"""Keep the embedded default alive across the separate commands of a pipeline run on this machine.

A pipeline is a series of processes (``byok terraform plan``, Checkov, ``byok drift plan``, ...), but the local
AWS endpoint holds its resources in memory and the SoftHSM2 token lives in files, so both must outlive every
step. ``up`` starts ``byok sandbox serve`` detached (reading its URL from its first output line), creates the
token and the secrets, and writes ``sandbox.env``: the only thing that differs from a real runner, which gets
the same variables from its HSM client and OIDC credentials. ``down`` stops the endpoint it started.

    python -m byok.ci.sandbox up .work/ci/sandbox --workspace .work/ci/estate
    set -a; . .work/ci/sandbox/sandbox.env; set +a   # then the pipeline's commands, unchanged
    python -m byok.ci.sandbox down .work/ci/sandbox
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from byok.ci.step import run
from byok.config import DEFAULT_PKCS11_MODULE
from byok.demo import DEMO_REGION, DEMO_TOKEN, copy_estate, prepare_token, write_secret
from byok.errors import ByokError
from byok.terraform.environment import DEFAULT_PLUGIN_DIR, PLUGIN_DIR_ENV

ENV_FILE = "sandbox.env"
PID_FILE = "endpoint.pid"
LOG_FILE = "endpoint.log"
START_TIMEOUT = 60.0
REPO_ROOT = Path(__file__).resolve().parents[3]


class SandboxError(ByokError):
    exit_code = 3


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _running_pid(state: Path) -> int | None:
    pid_file = state / PID_FILE
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text(encoding="utf-8"))
    return pid if _alive(pid) else None


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback endpoint
            return True
    except urllib.error.HTTPError:
        return True  # moto answers the bare root with an error page: it is up
    except OSError:
        return False


def _start_endpoint(state: Path) -> str:
    """Detached from the caller's session: ``make`` returns while the endpoint keeps serving the next step."""
    log = state / LOG_FILE
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "byok.cli.main", "sandbox", "serve"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (state / PID_FILE).write_text(str(process.pid), encoding="utf-8")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        first = log.read_text(encoding="utf-8").partition("\n")
        if first[1] and first[0].startswith("http://"):
            return first[0]
        if process.poll() is not None:
            raise SandboxError(f"the local endpoint exited {process.returncode}", f"see {log}")
        time.sleep(0.05)
    process.terminate()
    raise SandboxError(f"the local endpoint printed no URL within {START_TIMEOUT:.0f} s", f"see {log}")


def environment(state: Path, url: str, pin_file: Path, database_password: str) -> dict[str, str]:
    """What a real runner gets from its HSM client install, its secret store and OIDC, for the embedded default."""
    return {
        "BYOK_AWS_ENDPOINT": url,
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": DEMO_REGION,
        "AWS_DEFAULT_REGION": DEMO_REGION,
        "BYOK_PKCS11_MODULE": DEFAULT_PKCS11_MODULE,
        "SOFTHSM2_CONF": str(state / "hsm" / "softhsm2.conf"),
        "BYOK_TOKEN_LABEL": DEMO_TOKEN,
        "BYOK_HSM_PIN_FILE": str(pin_file),
        "TF_VAR_database_password": database_password,
        PLUGIN_DIR_ENV: str(REPO_ROOT / DEFAULT_PLUGIN_DIR),  # the steps run in the workspace, not the checkout
    }


def up(state: Path, workspace: Path | None, repo: Path) -> Path:
    """Start (or reuse) the endpoint and token; copy the estate into ``workspace`` unless it already holds one."""
    state = state.resolve()
    env_file = state / ENV_FILE
    if workspace is not None and not (workspace / "byok.toml").exists():
        copy_estate(repo, workspace)
    pid = _running_pid(state)
    if pid is not None and env_file.exists():
        url = _read_env(env_file)["BYOK_AWS_ENDPOINT"]
        if _answers(url):
            return env_file
        down(state)
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    url = _start_endpoint(state)
    pin_file = prepare_token(state)
    values = environment(state, url, pin_file, write_secret(state / "database-password"))
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(f"{name}={value}\n" for name, value in values.items())
    return env_file


def down(state: Path) -> bool:
    """Stop the endpoint this state dir started; the token and the workspace stay for inspection."""
    pid = _running_pid(state.resolve())
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    (state / PID_FILE).unlink(missing_ok=True)
    return True


def _read_env(env_file: Path) -> dict[str, str]:
    pairs = (line.partition("=") for line in env_file.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {name: value for name, _, value in pairs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m byok.ci.sandbox", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start or reuse the endpoint and token; print the env file")
    start.add_argument("state", type=Path, help="where the token, secrets, pid and sandbox.env live")
    start.add_argument("--workspace", type=Path, help="copy the estate here unless it already holds byok.toml")
    start.add_argument("--repo", type=Path, default=REPO_ROOT, help="checkout whose estate is copied")
    stop = commands.add_parser("down", help="stop the endpoint started by `up`")
    stop.add_argument("state", type=Path)
    args = parser.parse_args(argv)
    return run(lambda: _command(args))


def _command(args: argparse.Namespace) -> int:
    if args.command == "up":
        print(up(args.state, args.workspace, args.repo))
    else:
        print("stopped" if down(args.state) else "not running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
