"""Entry point: one group, subcommands per job, and one place that turns errors into exit codes.

Exit codes CI can use: 0 ok, 1 generic failure (or findings at/above --fail-on), 2 usage, 3 configuration,
4 HSM, 5 KMS, 6 blocked (maintenance window, environment order, a lock held, Terraform or Checkov failed),
7 audit journal tampered, 8 audit journal not writable, 9 injected fault (tests only),
70 internal error (a bug: rerun with BYOK_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import os
import sys

import click

from byok import __version__
from byok.cli.audit_cmd import audit
from byok.cli.drift_cmd import drift
from byok.cli.hsm_cmd import hsm
from byok.cli.inventory_cmd import inventory
from byok.cli.material_cmd import material
from byok.cli.rotate_cmd import rotate
from byok.cli.sandbox_cmd import sandbox
from byok.errors import ByokError

INTERNAL_ERROR = 70


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="byok")
def cli() -> None:
    """Rotate AWS KMS keys whose material lives in your own HSM."""


cli.add_command(hsm)
cli.add_command(material)
cli.add_command(sandbox)
cli.add_command(rotate)
cli.add_command(inventory)
cli.add_command(audit)
cli.add_command(drift)


def _register_optional_commands() -> None:
    """Commands whose modules pull heavier dependencies are added lazily to keep --help fast."""
    from byok.cli.demo_cmd import demo
    from byok.cli.retire_cmd import retire
    from byok.cli.terraform_cmd import terraform

    cli.add_command(demo)
    cli.add_command(terraform)
    cli.add_command(retire)


def main(argv: list[str] | None = None) -> int:
    _register_optional_commands()
    try:
        cli.main(args=argv, prog_name="byok", standalone_mode=False)
    except ByokError as error:
        click.echo(f"byok: error: {error}", err=True)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("byok: aborted", err=True)
        return 1
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except Exception as error:  # noqa: BLE001 - last line of defence: one line, no locals, no material
        if os.environ.get("BYOK_DEBUG"):
            raise
        click.echo(f"byok: internal error: {type(error).__name__}: {error} (BYOK_DEBUG=1 shows more)", err=True)
        return INTERNAL_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
