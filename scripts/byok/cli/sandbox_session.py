"""``byok sandbox up|down|env|clock``: the embedded default for anyone, not only for CI.

``up`` starts the local endpoint detached and creates a SoftHSM2 token (``byok.ci.sandbox`` does the
work, so CI and a user get the same sandbox); ``env`` prints the line that loads its settings into a
shell, without printing the secrets themselves; ``clock`` reads or moves the endpoint's clock, so that
material expiry and retirement grace periods can be tried without waiting months.
"""

from __future__ import annotations

import json
import re
import shlex
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import click

from byok.errors import EndpointUnreachable, UsageError

DEFAULT_STATE_DIR = Path(".work/sandbox")
_DURATION = re.compile(r"^(?P<sign>-?)(?P<amount>\d+)(?P<unit>[smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def state_dir_option(func):
    return click.option(
        "--state-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_STATE_DIR,
        show_default=True,
        envvar="BYOK_SANDBOX_DIR",
        help="Where the token, its PIN file (0600), the endpoint's pid and sandbox.env live.",
    )(func)


@click.command()
@state_dir_option
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also copy byok's example estate (terraform/, modules/, byok.toml) here, unless it holds a byok.toml.",
)
def up(state_dir: Path, workspace: Path | None) -> None:
    """Start the local endpoint in the background and create the HSM token (or reuse running ones)."""
    from byok.ci.sandbox import REPO_ROOT
    from byok.ci.sandbox import up as start

    env_file = start(state_dir, workspace, REPO_ROOT)
    click.echo(f"sandbox up: settings in {env_file}")
    click.echo('next: eval "$(byok sandbox env)"  # points this shell at the sandbox', err=True)


@click.command()
@state_dir_option
def down(state_dir: Path) -> None:
    """Stop the endpoint started by `byok sandbox up` (the token and the workspace stay)."""
    from byok.ci.sandbox import down as stop

    click.echo("sandbox stopped" if stop(state_dir) else f"no sandbox running for {state_dir}")


@click.command()
@state_dir_option
def env(state_dir: Path) -> None:
    """Print the shell line that loads the sandbox settings: eval "$(byok sandbox env)".

    The line sources the 0600 settings file instead of printing its values, so no secret reaches a log."""
    from byok.ci.sandbox import ENV_FILE

    env_file = state_dir.resolve() / ENV_FILE
    if not env_file.is_file():
        raise UsageError(f"no sandbox settings at {env_file}", "start the sandbox with `byok sandbox up`")
    click.echo(f"set -a; . {shlex.quote(str(env_file))}; set +a")


def _duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if match is None:
        raise UsageError(f"--advance {text!r} is not a duration", "write a number and a unit: 90s, 15m, 12h, 400d")
    amount = int(match["amount"]) * (-1 if match["sign"] else 1)
    return timedelta(**{_UNITS[match["unit"]]: amount})


def _moment(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--set {text!r} is not an ISO time", "write e.g. 2027-06-30T12:00:00+00:00") from None
    if moment.tzinfo is None:
        raise UsageError(f"--set {text!r} has no time zone", "add one, e.g. +00:00 for UTC")
    return moment.isoformat()


@click.command()
@click.option("--endpoint-url", envvar="BYOK_AWS_ENDPOINT", required=True, help="The sandbox endpoint.")
@click.option("--advance", "advance", help="Move the clock forward (or back with -), e.g. 400d, 12h, -30m.")
@click.option("--set", "set_to", metavar="ISO", help="Freeze the clock at this time (with a zone).")
@click.option("--reset", is_flag=True, help="Back to real time.")
def clock(endpoint_url: str, advance: str | None, set_to: str | None, reset: bool) -> None:
    """Show or move the sandbox's clock: what KMS expiry (ValidTo), import-token lifetime and key usage see.

    Without an option it prints the sandbox's time. `byok retire` measures its grace periods on KMS's clock
    (the Date of its answers), so moving this clock lets a retirement be tried; the journal keeps real time."""
    chosen = [name for name, value in (("--advance", advance), ("--set", set_to), ("--reset", reset)) if value]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} exclude each other", "give one of them")
    change = None
    if advance:
        change = {"advance_seconds": _duration(advance).total_seconds()}
    elif set_to:
        change = {"set": _moment(set_to)}
    elif reset:
        change = {"reset": True}
    click.echo(f"sandbox time: {_clock_request(endpoint_url, change)}")


def _clock_request(endpoint_url: str, change: dict | None) -> str:
    from byok.sandbox.admin import CLOCK_PATH

    url = endpoint_url.rstrip("/") + CLOCK_PATH
    data = json.dumps(change).encode() if change is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")  # noqa: S310 - sandbox URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.load(response)["now"]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise EndpointUnreachable(
                f"{endpoint_url} has no sandbox clock: it is not byok's sandbox", "point --endpoint-url at it"
            ) from None
        raise EndpointUnreachable(f"the sandbox refused the clock change: HTTP {exc.code}", "see --help") from None
    except (OSError, ValueError, KeyError) as exc:
        raise EndpointUnreachable(
            f"cannot reach the sandbox clock at {url}: {exc}", "start the sandbox with `byok sandbox up`"
        ) from None


SESSION_COMMANDS = (up, down, env, clock)
