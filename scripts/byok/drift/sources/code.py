"""Facts from Terraform code: key references written as literals, with file, line, block and attribute.

A reference written as an expression (``module.key.key_arn``, ``data.aws_kms_key.x.arn``) follows rotations;
a literal does not, so literals are what this source reports. What counts as a literal key reference, where
it is and at which line all come from the shared model in :mod:`byok.keyscan` (the Checkov pack uses the
same), over every ``.tf``, ``.tf.json``, ``.tfvars``, ``.tfvars.json`` and Terragrunt ``.hcl`` file. A file
that cannot be read or parsed becomes a gap fact (BYOK-D013): it could hold anything, so it never passes
silently.

File names are relative to the repository that holds the scanned path (the nearest directory with a
``.git``), not to the path: SARIF and PR annotations resolve them against the checkout, so a scan of
``terraform/prod`` must say ``terraform/prod/main.tf``. Outside a repository they are relative to the path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from byok.drift.facts import Fact, GapFact, UsageFact
from byok.drift.findings import Resource
from byok.keyscan.scan import scan_tree


def repository_root(path: Path) -> Path:
    """The nearest directory at or above ``path`` holding ``.git`` (a worktree has a ``.git`` file), else the path."""
    start = path if path.is_dir() else path.parent
    return next((parent for parent in (start, *start.parents) if (parent / ".git").exists()), start)


class CodeSource:
    name = "code"

    def __init__(self, root: Path, base: Path | None = None) -> None:
        self.root = root.absolute()
        self.base = base.absolute() if base is not None else repository_root(self.root)

    def facts(self) -> Iterator[Fact]:
        for directory in scan_tree(self.root, self.base):
            for unreadable in directory.unreadable:
                yield GapFact(Resource("file", unreadable.file, file=unreadable.file), unreadable.reason, "code")
            for literal in directory.literals:
                resource = Resource(literal.resource_type, literal.address, file=literal.file, line=literal.line)
                yield UsageFact(resource, literal.reference, literal.attribute, "code", literal=True)
