"""The small steps CI pipelines run between byok's own commands: one job per module, each a ``python -m``.

The GitHub and GitLab templates (``ci/``) and the ``make ci-*`` targets run the same command lines; only the
environment differs (a real HSM client and OIDC credentials there, ``byok.ci.sandbox`` here).
"""
