"""tfvars in and out: render an environment's intended key state, and read it back."""

from byok.render.parse import parse_tfvars, read_tfvars
from byok.render.tfvars import render_tfvars

__all__ = ["parse_tfvars", "read_tfvars", "render_tfvars"]
