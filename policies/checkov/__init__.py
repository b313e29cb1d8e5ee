"""byok's custom Checkov policies (loaded with ``--external-checks-dir policies/checkov``).

Checkov skips every Python check in a directory without this file, silently, so it must stay.
"""
