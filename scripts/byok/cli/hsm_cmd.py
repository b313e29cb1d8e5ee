"""``byok hsm``: what the token is and how byok would wrap with it."""

from __future__ import annotations

import click

from byok.cli.options import emit, hsm_options, open_hsm, output_option
from byok.output import Column, Listing, identifier


@click.group()
def hsm() -> None:
    """Inspect the HSM token."""


@hsm.command()
@hsm_options
@output_option
def probe(hsm_settings, output_format) -> None:
    """Show the token, its mechanisms and the wrapping algorithm byok would use.

    The PIN comes from BYOK_HSM_PIN or the file named by BYOK_HSM_PIN_FILE.
    """
    with open_hsm(hsm_settings) as token:
        info = token.token_info()
        capabilities = token.wrapping_capabilities()
        choice = token.choose_algorithm(hsm_settings.forced_algorithm)
    facts: list[tuple[Column | str, object]] = [
        (identifier("token"), info.label),
        ("manufacturer", info.manufacturer),
        ("model", info.model),
        (identifier("serial"), info.serial),
        (identifier("library"), hsm_settings.module),
        (Column("algorithms", "wrapping algorithms the token can do"), [a.value for a in capabilities]),
        (Column("algorithm", "algorithm byok will use"), choice.algorithm.value),
        (Column("reason", "why"), choice.reason),
        ("downgraded", choice.downgraded),
        ("mechanisms", sorted(info.mechanisms)),
    ]
    notes = [f"WARNING: weaker than {choice.strongest_known.value}: {choice.reason}"] if choice.downgraded else []
    emit(Listing("hsm_probe", "HSM probe", [], [], notes, facts), output_format)
