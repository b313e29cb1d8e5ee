"""Options shared by commands, and the objects they open (HSM session, KMS client)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from byok.config import AwsSettings, HsmSettings, read_pin
from byok.hsm.backend import HsmBackend
from byok.kms.client import KmsClient
from byok.output import FORMATS, Listing


def output_option(func: Callable) -> Callable:
    return click.option(
        "--output",
        "-o",
        "output_format",
        type=click.Choice(sorted(FORMATS)),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)


def hsm_options(func: Callable) -> Callable:
    func = click.option("--pkcs11-module", envvar="BYOK_PKCS11_MODULE", help="PKCS#11 library of the HSM client.")(func)
    func = click.option("--token-label", envvar="BYOK_TOKEN_LABEL", help="Label of the HSM token.")(func)
    return click.option(
        "--wrapping-algorithm",
        envvar="BYOK_WRAPPING_ALGORITHM",
        help="Force a KMS wrapping algorithm (default: the strongest the token can do).",
    )(func)


def aws_options(func: Callable) -> Callable:
    func = click.option(
        "--endpoint-url", envvar="BYOK_AWS_ENDPOINT", help="KMS endpoint (https, or http on loopback only)."
    )(func)
    return click.option("--region", envvar="AWS_REGION", help="AWS region.")(func)


def hsm_settings(pkcs11_module: str | None, token_label: str | None, wrapping_algorithm: str | None):
    return HsmSettings.from_env(module=pkcs11_module, token_label=token_label, algorithm=wrapping_algorithm)


@contextmanager
def open_hsm(settings: HsmSettings) -> Iterator[HsmBackend]:
    from byok.hsm.pkcs11 import Pkcs11Hsm

    hsm = Pkcs11Hsm.open(settings, read_pin())
    try:
        yield hsm
    finally:
        hsm.close()


def kms_client(endpoint_url: str | None, region: str | None) -> KmsClient:
    return KmsClient(AwsSettings.from_env(endpoint_url=endpoint_url, region=region))


def emit(listing: Listing, output_format: str) -> None:
    click.echo(FORMATS[output_format](listing), nl=False)
