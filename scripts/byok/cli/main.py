"""Entry point: one group, subcommands per job; failures become exit codes in ``byok.cli.failures``.

Exit codes CI can use (``byok.errors.ExitCode``): 0 ok, 1 failure (or findings at/above --fail-on), 2 usage,
3 configuration (byok.toml, tfvars, settings, credentials, paths), 4 HSM, 5 KMS/AWS (refused or unreachable),
6 blocked (maintenance window, environment order, a lock held, a refused retirement, Terraform or Checkov
failed), 7 audit journal tampered, 8 audit journal not writable, 9 injected fault (tests only),
70 internal error (a bug: rerun with BYOK_DEBUG=1 for the traceback), 130 interrupted (a re-run resumes).
"""

from __future__ import annotations

import os
import signal
import sys

import click

from byok import __version__
from byok.cli.audit_cmd import audit
from byok.cli.drift_cmd import drift
from byok.cli.failures import Terminated, report
from byok.cli.hsm_cmd import hsm
from byok.cli.init_cmd import init
from byok.cli.inventory_cmd import inventory
from byok.cli.material_cmd import material
from byok.cli.rotate_cmd import rotate
from byok.cli.sandbox_cmd import sandbox
from byok.cli.sandbox_session import SESSION_COMMANDS


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="byok")
def cli() -> None:
    """Rotate AWS KMS keys whose material lives in your own HSM."""


cli.add_command(hsm)
cli.add_command(material)
cli.add_command(sandbox)
for session_command in SESSION_COMMANDS:
    sandbox.add_command(session_command)
cli.add_command(rotate)
cli.add_command(inventory)
cli.add_command(audit)
cli.add_command(drift)
cli.add_command(init)


def _register_optional_commands() -> None:
    """Commands whose modules pull heavier dependencies are added lazily to keep --help fast."""
    from byok.cli.demo_cmd import demo
    from byok.cli.retire_cmd import retire
    from byok.cli.terraform_cmd import terraform

    cli.add_command(demo)
    cli.add_command(terraform)
    cli.add_command(retire)


def _command_name(argv: list[str]) -> str:
    """``byok rotate apply`` from the words before the first option (argv never carries a secret)."""
    words = []
    for word in argv:
        if word.startswith("-"):
            break
        words.append(word)
    return " ".join(["byok", *words[:2]])


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    _register_optional_commands()
    argv = sys.argv[1:] if argv is None else argv
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)  # unwind like SIGINT: locks released, temp files removed
    try:
        result = cli.main(args=argv, prog_name="byok", standalone_mode=False)
    except (Exception, KeyboardInterrupt, Terminated) as error:  # noqa: BLE001 - the one place errors end
        return report(error, _command_name(argv), debug=bool(os.environ.get("BYOK_DEBUG")))
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
