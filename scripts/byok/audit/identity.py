"""Who and where a run is, as the journal records it.

The actor says which authority vouched for the name: ``BYOK_ACTOR`` as set by the operator, the CI
system's own user variable (prefixed with the system), or the OS account (prefixed ``os:``), so an
auditor can tell a CI identity from a login on a runner.
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
import socket
from collections.abc import Mapping
from datetime import UTC, datetime

# Checked in order; the first variable that is set names the actor.
_CI_ACTORS = (
    ("GITHUB_ACTOR", "github"),
    ("GITLAB_USER_LOGIN", "gitlab"),
    ("BUILD_REQUESTEDFOREMAIL", "azure"),
    ("BUILDKITE_BUILD_CREATOR_EMAIL", "buildkite"),
    ("CIRCLE_USERNAME", "circleci"),
    ("BUILD_USER_ID", "jenkins"),
)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def actor(environ: Mapping[str, str] = os.environ) -> str:
    if environ.get("BYOK_ACTOR"):
        return _printable(environ["BYOK_ACTOR"])
    for variable, system in _CI_ACTORS:
        if environ.get(variable):
            return _printable(f"{system}:{environ[variable]}")
    try:
        return _printable(f"os:{getpass.getuser()}")
    except (KeyError, OSError):  # a container user without a passwd entry
        return f"os:uid {os.getuid()}"


def host() -> str:
    return _printable(socket.gethostname() or "unknown-host")


def new_run_id() -> str:
    """Sortable by start time, unique enough across runners without coordination."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def _printable(text: str) -> str:
    """The journal's text fields allow no control characters and 255 characters at most."""
    return _UNPRINTABLE.sub("?", text)[:255] or "?"
