"""Lambda entry points (``byok.monitor.handler.nightly`` and ``.config_rule``), as the module names them.

The session and the collector registry are built at import, in Lambda's init phase, so warm invocations
reuse them; ``package`` also relies on the import loading every collector to know what goes in the zip.
"""

from __future__ import annotations

from typing import Any

import boto3

from byok.drift.collectors import load
from byok.monitor.compliance import run as run_config_rule
from byok.monitor.nightly import run as run_nightly
from byok.monitor.settings import Settings

load()
SESSION = boto3.session.Session()


def nightly(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_nightly(Settings.from_env(), SESSION)


def config_rule(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_config_rule(event, Settings.from_env(), SESSION)
