"""Rotation: decide what is due, propose it as tfvars, apply it with the HSM, report status."""
