"""Render tfvars with Jinja2: deterministic bytes, stable order, so a PR diff shows only what changed."""

from __future__ import annotations

import json

from jinja2 import Environment, PackageLoader, StrictUndefined

from byok import __version__
from byok.estate import EnvironmentState


def hcl_string(value: str) -> str:
    """Quote a string for HCL: JSON escapes plus HCL's own template sequences."""
    return json.dumps(str(value), ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


_ENV = Environment(
    loader=PackageLoader("byok", "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # HCL, not HTML: every value goes through the hcl filter instead  # noqa: S701
    keep_trailing_newline=True,
)
_ENV.filters["hcl"] = hcl_string


def template_environment() -> Environment:
    return _ENV


def render_tfvars(state: EnvironmentState) -> str:
    return _ENV.get_template("tfvars.j2").render(state=state, tool=f"byok {__version__}")
