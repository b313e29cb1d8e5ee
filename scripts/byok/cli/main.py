"""Entry point: one group, subcommands per job; failures become exit codes in ``byok.cli.failures``.

Exit codes CI can use (``byok.errors.ExitCode``): 0 ok, 1 failure (or findings at/above --fail-on), 2 usage,
3 configuration (byok.toml, tfvars, settings, credentials, paths), 4 HSM, 5 KMS/AWS (refused or unreachable),
6 blocked (maintenance window, environment order, a lock held, a refused retirement, Terraform or Checkov
failed), 7 audit journal tampered, 8 audit journal not writable, 9 injected fault (tests only),
70 internal error (a bug: rerun with BYOK_DEBUG=1 for the traceback), 130 interrupted (a re-run resumes).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys

import click

from byok import __version__
from byok.cli.failures import Terminated, report

# Each command's module is imported only when that command runs (or is listed by --help): the modules pull
# boto3, PyKCS11, Jinja and python-hcl2, which took ``byok drift code`` most of its run time to import.
COMMANDS = {
    "hsm": "byok.cli.hsm_cmd:hsm",
    "material": "byok.cli.material_cmd:material",
    "sandbox": "byok.cli.sandbox_cmd:sandbox",
    "rotate": "byok.cli.rotate_cmd:rotate",
    "inventory": "byok.cli.inventory_cmd:inventory",
    "audit": "byok.cli.audit_cmd:audit",
    "drift": "byok.cli.drift_cmd:drift",
    "init": "byok.cli.init_cmd:init",
    "demo": "byok.cli.demo_cmd:demo",
    "terraform": "byok.cli.terraform_cmd:terraform",
    "retire": "byok.cli.retire_cmd:retire",
}


def _load(name: str) -> click.Command:
    module, attribute = COMMANDS[name].split(":")
    command: click.Command = getattr(importlib.import_module(module), attribute)
    if name == "sandbox" and isinstance(command, click.Group):
        from byok.cli.sandbox_session import SESSION_COMMANDS

        for session_command in SESSION_COMMANDS:
            command.add_command(session_command)
    return command


class LazyGroup(click.Group):
    """A group whose commands (:data:`COMMANDS`) are imported when first looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(_load(cmd_name), cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="byok")
def cli() -> None:
    """Rotate AWS KMS keys whose material lives in your own HSM."""


def _register_optional_commands() -> None:
    """Load every command now, for whoever walks the whole command tree (the README's command table test)."""
    for name in COMMANDS:
        cli.get_command(None, name)


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
