"""Options shared by commands, and the objects they open (HSM session, KMS client)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

from byok.approval_sweep import sweep_stale
from byok.audit.journal import Journal, journal_path
from byok.config import AwsSettings, HsmSettings, read_pin
from byok.hsm.backend import HsmBackend
from byok.material_policy import TrustedWrapping
from byok.output import FORMATS, Listing
from byok.output.terminal import terminal_view

WIDE = "byok.output.wide"


def output_option(func: Callable) -> Callable:
    """--output and --wide; --wide reaches ``emit`` through the click context, so commands need not pass it on."""
    func = click.option(
        "--wide",
        is_flag=True,
        expose_value=False,
        callback=lambda ctx, _param, value: ctx.meta.__setitem__(WIDE, value),
        help="Tables at full width whatever the terminal: every column, nothing wrapped.",
    )(func)
    return click.option(
        "--output",
        "-o",
        "output_format",
        type=click.Choice(sorted(FORMATS)),
        default="table",
        show_default=True,
        help="Output format (json: documented in scripts/byok/output/schemas).",
    )(func)


def config_option(func: Callable, help: str = "Estate configuration: environment order, windows, horizon.") -> Callable:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("byok.toml"),
        show_default=True,
        envvar="BYOK_CONFIG",
        help=help,
    )(func)


def env_option(func: Callable) -> Callable:
    return click.option("--env", "environment", required=True, help="Environment name from byok.toml.")(func)


def hsm_options(func: Callable) -> Callable:
    """--pkcs11-module, --token-label, --wrapping-algorithm; the command receives one ``hsm_settings: HsmSettings``."""

    @functools.wraps(func)
    def command(*args, pkcs11_module, token_label, wrapping_algorithm, **kwargs):
        settings = HsmSettings.from_env(module=pkcs11_module, token_label=token_label, algorithm=wrapping_algorithm)
        return func(*args, hsm_settings=settings, **kwargs)

    command = click.option(
        "--wrapping-algorithm",
        envvar="BYOK_WRAPPING_ALGORITHM",
        help="Force a KMS wrapping algorithm (default: the strongest the token can do).",
    )(command)
    command = click.option("--token-label", envvar="BYOK_TOKEN_LABEL", help="Label of the HSM token.")(command)
    return click.option("--pkcs11-module", envvar="BYOK_PKCS11_MODULE", help="PKCS#11 library of the HSM client.")(
        command
    )


def aws_options(func: Callable) -> Callable:
    """--endpoint-url, --region; the command receives one ``aws: AwsSettings``."""

    @functools.wraps(func)
    def command(*args, endpoint_url, region, **kwargs):
        return func(*args, aws=AwsSettings.from_env(endpoint_url=endpoint_url, region=region), **kwargs)

    command = click.option("--region", envvar="AWS_REGION", help="AWS region.")(command)
    return click.option(
        "--endpoint-url", envvar="BYOK_AWS_ENDPOINT", help="KMS endpoint (https, or http on loopback only)."
    )(command)


@contextmanager
def open_hsm(settings: HsmSettings, trusted_wrapping: TrustedWrapping = TrustedWrapping.OFF) -> Iterator[HsmBackend]:
    """A user session; ``trusted_wrapping`` is the estate's key-ceremony mode ([material] in byok.toml)."""
    from byok.hsm.pkcs11 import Pkcs11Hsm

    hsm = Pkcs11Hsm.open(settings, read_pin(), trusted_wrapping=trusted_wrapping)
    try:
        yield hsm
    finally:
        hsm.close()


@contextmanager
def open_hsm_pool(
    settings: HsmSettings, sessions: int, trusted_wrapping: TrustedWrapping = TrustedWrapping.OFF
) -> Iterator[HsmBackend]:
    """Several sessions on the token for concurrent rotations (``[rotation] hsm_sessions``)."""
    from byok.hsm.pkcs11 import Pkcs11Hsm
    from byok.hsm.pool import HsmPool

    pin = read_pin()
    pool = HsmPool.open(sessions, lambda: Pkcs11Hsm.open(settings, pin, trusted_wrapping=trusted_wrapping))
    try:
        yield pool
    finally:
        pool.close()


def emit(listing: Listing, output_format: str) -> None:
    context = click.get_current_context(silent=True)
    wide = bool(context and context.meta.get(WIDE))
    click.echo(FORMATS[output_format](listing.document(), terminal_view(wide)), nl=False)


def sweep_approvals(token: HsmBackend, state_dir: Path, command: str, dry_run: bool) -> None:
    """Destroy the approvals no import can use any more (journaled), and say so on stderr; a dry run only
    says how many the real run would destroy."""
    if dry_run:
        now = datetime.now(UTC)
        stale = [found for found in token.trusted_objects() if found.prunable(now)]
        if stale:
            click.echo(
                f"would destroy {len(stale)} trusted wrapping object(s) that can no longer serve "
                "(expired or orphan approvals; `byok hsm approvals` lists them)",
                err=True,
            )
        return
    destroyed = sweep_stale(token, Journal.open(journal_path(state_dir)), f"found by {command}")
    if destroyed:
        click.echo(
            f"destroyed {len(destroyed)} trusted wrapping object(s) that could no longer serve "
            "(expired or orphan approvals; journaled, see `byok hsm approvals`)",
            err=True,
        )
