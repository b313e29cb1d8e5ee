"""The one place where a failure becomes an exit code and one line on stderr.

Expected failures arrive either as ``ByokError`` (cause -> remedy, with its exit code) or as a library's
exception that byok did not translate where it happened (botocore's credential and connection errors, an
``OSError`` on a path, an interrupt). ``explain`` turns the latter into the same kind of error, so that
only a real bug is left for exit code 70. ``report`` prints the line, identical with and without
``BYOK_DEBUG`` (which adds the traceback above it), with every secret value of the environment blanked.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from pathlib import Path

import click
from botocore import exceptions as aws

from byok.aws_failures import aws_error
from byok.errors import ByokError, ConfigError, ExitCode, Interrupted, PathError, UsageError

SECRET_VARIABLES = ("BYOK_HSM_PIN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "TF_VAR_database_password")
_SHORTEST_SECRET = 4  # shorter values would blank ordinary words


class Terminated(BaseException):
    """Raised in the main thread by the SIGTERM handler; a BaseException so no ``except Exception`` swallows it."""


def explain(exc: BaseException, command: str) -> ByokError | None:
    """The byok error a foreign exception stands for, or None when it is a bug."""
    if isinstance(exc, ByokError):
        return exc
    if isinstance(exc, KeyboardInterrupt | Terminated) or (
        isinstance(exc, click.exceptions.Abort) and isinstance(exc.__context__, KeyboardInterrupt)
    ):
        signal_name = "SIGTERM" if isinstance(exc, Terminated) else "SIGINT"
        return Interrupted(
            f"`{command}` was interrupted ({signal_name}); every step it finished is recorded",
            f"run `{command}` again with the same options: it resumes where this run stopped",
        )
    if isinstance(exc, click.exceptions.Abort):
        return ByokError(
            "no confirmation was given (the prompt was declined or stdin is closed); nothing was changed",
            "answer the prompt, or pass --yes to confirm without one",
        )
    if isinstance(exc, click.UsageError):
        where = f"`{exc.ctx.command_path} --help`" if exc.ctx is not None else "`byok --help`"
        return UsageError(exc.format_message(), f"see {where}")
    if isinstance(exc, click.ClickException):
        return UsageError(exc.format_message(), "check the command line (`byok --help`)")
    if isinstance(exc, aws.BotoCoreError | aws.ClientError):
        return aws_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        return ConfigError(
            "a file byok had to read is not UTF-8 text (binary or another encoding)",
            "point byok at the text file it expects (byok.toml, tfvars, a plan JSON)",
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        return _path(exc)
    return None


def _path(exc: OSError) -> PathError:
    path = Path(os.fsdecode(exc.filename))
    if exc.errno == errno.ENOSPC:
        return PathError(f"no space left to write {path}", "free space on that file system and run again")
    if exc.errno == errno.ENOENT and not path.parent.is_dir():
        return PathError(f"{path.parent} does not exist", f"create it, or choose another place than {path}")
    return PathError(f"cannot use {path}: {exc.strerror}", "check the path and its permissions")


def redact(line: str, env: dict[str, str] | None = None) -> str:
    """Blank every secret the environment holds (PIN, AWS secret keys), however the text got there."""
    env = dict(os.environ) if env is None else env
    secrets = [env.get(name, "") for name in SECRET_VARIABLES]
    pin_file = env.get("BYOK_HSM_PIN_FILE")
    if pin_file:
        try:
            secrets.append(Path(pin_file).read_text(encoding="utf-8").strip())
        except (OSError, UnicodeError):
            pass
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= _SHORTEST_SECRET:
            line = line.replace(secret, "***")
    return line


def one_line(text: str) -> str:
    return " ".join(text.split())


def report(exc: BaseException, command: str, debug: bool) -> int:
    """Print the error's one line (after the traceback when ``debug``); return its exit code."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    error = explain(exc, command)
    if error is not None:
        line, code = f"byok: error: {error}", int(error.exit_code)
    else:
        line = (
            f"byok: internal error: {type(exc).__name__}: {exc} -> this is a bug in byok; "
            "rerun with BYOK_DEBUG=1 and report the traceback"
        )
        code = ExitCode.INTERNAL
    click.echo(redact(one_line(line)), err=True)
    return int(code)
