"""The Markdown pull-request description for a rotation proposal."""

from __future__ import annotations

from datetime import date

from byok.render.tfvars import template_environment
from byok.rotation.planner import Proposal


def render_pr_description(proposal: Proposal, today: date) -> str:
    return template_environment().get_template("pr_description.md.j2").render(proposal=proposal, today=today)
