"""The shared reference model: what a KMS key reference is, where Terraform code holds one, and where it is.

One model for every tool that judges Terraform code for keys: ``byok drift code`` (``byok.drift.sources.code``)
and the Checkov pack (``policies/checkov``) both call :func:`byok.keyscan.scan.scan_directory`, so they give
the same answer on the same code by construction.

This package imports nothing but the standard library and nothing else of byok: the Checkov pack runs in
Checkov's own virtual environment (Checkov pins its own dependencies and ships an ``hcl2`` that breaks
python-hcl2), where byok is not installed; the pack puts ``scripts/`` on ``sys.path`` and imports this package
alone (``byok/__init__.py`` holds only the version). ``tests/checkov`` proves the import works there.

- ``reference``: the four spellings of a key (ID, ARN, alias name, alias ARN) and which literals in a string
  are key references.
- ``catalogue``: every AWS-provider resource type and attribute that takes a KMS key (also used by the plan
  and live sources).
- ``hcl`` / ``tfjson``: the strings of a ``.tf``/``.tfvars`` or ``.tf.json``/``.tfvars.json`` file, with the
  block, attribute path and line each sits at.
- ``scan``: files -> literal key references and unreadable files.
"""
