"""``byok hsm``: what the token is and how byok would wrap with it."""

from __future__ import annotations

import click

from byok.cli.options import emit, hsm_options, open_hsm, output_option
from byok.output import Listing


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
    rows: list[dict[str, object]] = [
        {"property": "token", "value": info.label},
        {"property": "manufacturer / model", "value": f"{info.manufacturer} / {info.model}"},
        {"property": "serial", "value": info.serial},
        {"property": "library", "value": hsm_settings.module},
        {
            "property": "wrapping algorithms the token can do",
            "value": ", ".join(a.value for a in capabilities),
        },
        {"property": "algorithm byok will use", "value": choice.algorithm.value},
        {"property": "why", "value": choice.reason},
        {"property": "mechanisms", "value": ", ".join(sorted(info.mechanisms))},
    ]
    notes = [f"WARNING: weaker than {choice.strongest_known.value}: {choice.reason}"] if choice.downgraded else []
    emit(Listing(title="HSM probe", columns=["property", "value"], rows=rows, notes=notes), output_format)
