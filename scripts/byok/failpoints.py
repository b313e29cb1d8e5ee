"""Named failpoints at every step boundary, so crash-and-resume can be proven with a real killed process.

``BYOK_FAILPOINTS="s3:import=kill,rds:verify=raise"`` makes the run die right before that step of that
key: ``kill`` sends SIGKILL to this process (nothing gets to clean up, as when a runner dies), ``raise``
raises an ``InjectedFault``, ``interrupt`` sends SIGINT (a user's Ctrl-C) and ``bug`` raises an exception
byok does not expect (what exit code 70 is for). Unset, a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

from byok.errors import ByokError, ExitCode


class InjectedFault(ByokError):
    exit_code = ExitCode.INJECTED_FAULT


def _configured() -> dict[str, str]:
    spec = os.environ.get("BYOK_FAILPOINTS", "")
    points = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, action = item.partition("=")
        points[name] = action or "raise"
    return points


def hit(name: str) -> None:
    action = _configured().get(name)
    if action is None:
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "interrupt":
        os.kill(os.getpid(), signal.SIGINT)  # the handler raises KeyboardInterrupt before the next line runs
    if action == "bug":
        raise RuntimeError(f"failpoint {name}: an injected bug")
    raise InjectedFault(f"failpoint {name} triggered", "this is a test run: re-run without BYOK_FAILPOINTS")
