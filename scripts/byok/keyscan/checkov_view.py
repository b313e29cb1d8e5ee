"""Which literal keys Checkov never hands to a check, and why: the pack's check reports those itself.

Checkov 3.3.30 builds a check's input only from ``*.tf`` and ``*.hcl`` files it can parse, in directories it reaches by
``os.walk`` without following symlinks (``tf_parser._parse_directory``), skipping hidden and ignored names
(:class:`CheckovWalk`); it does not load ``.tf.json`` at
all (``tf_parser``: "TODO: add support for .tf.json"), drops a file it cannot parse, and has check types
only for resource, data, provider and module blocks. So a ``terraform { backend }`` block, an output, a
variable/local/tfvars value that no checked block uses, and everything in a ``.tf.json`` file, an
unparseable file or a symlinked directory never reaches a check, while ``byok drift code`` reports
literals in all of them.

For both tools to give one answer, the pack's check sweeps each directory once, with the first block
Checkov hands it there, and reports that directory's literals no check is shown and its unreadable files
(which fail ``byok drift code`` too, BYOK-D013) (:func:`sweep_plan`).
A directory where Checkov checks no block at all (only outputs, only ``.tf.json``, behind a symlink) is
swept with its nearest ancestor that has one, else with the first block of the whole run. A literal that a
check is shown is left to that check, so nothing is reported twice. Only a run in which Checkov checks no
block anywhere reports nothing: then no check runs at all (the plan's ``None`` entry). What the run was
told to skip (``--skip-path``) is left out entirely, as Checkov's own checks leave it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from byok.keyscan.scan import Literal, Unreadable, file_kind, scan_directory, source_files

CHECKED_KINDS = frozenset({"resource", "data", "provider", "module"})  # Checkov's Terraform check types
VALUE_KINDS = frozenset({"variable", "locals", "tfvars"})
_READ = (".tf", ".hcl")  # what Checkov's Terraform parser loads (``tf_parser``), Terragrunt files included
RUN = Path()  # the host of directories with no checked block anywhere above them: the run's first block


@dataclass(frozen=True)
class CheckovWalk:
    """Which names Checkov's walk skips, directories and files alike (``filter_ignored_paths`` in its
    ``base_runner``): ``CKV_IGNORED_DIRECTORIES`` and, unless ``CKV_IGNORE_HIDDEN_DIRECTORIES`` is false,
    every name starting with a dot; and the paths its run was told to skip (``--skip-path``, a config file's
    ``skip-path``). The defaults are Checkov 3.3.30's; the pack passes its run's own values.
    """

    ignored: frozenset[str] = frozenset({"node_modules", ".terraform", ".serverless"})
    skip_hidden: bool = True
    excluded: tuple[str, ...] = ()

    def skips(self, name: str) -> bool:
        return name in self.ignored or (self.skip_hidden and name.startswith("."))

    def excludes(self, path: Path) -> bool:
        """Whether a skip path keeps Checkov from ``path`` (absolute, as its walk joins it).

        Checkov searches each pattern anywhere in the whole path, as a regular expression and as plain text,
        so ``legacy`` skips every file and directory whose path contains it, the scanned root's own included.
        """
        full = str(path)
        return any(text in full for text in self.excluded) or any(p.search(full) for p in _patterns(self.excluded))


@lru_cache(maxsize=8)
def _patterns(excluded: tuple[str, ...]) -> list[re.Pattern[str]]:
    """Checkov's compilation: a pattern starting with one dot is taken literally, one that is no regex ignored."""
    compiled = []
    for text in excluded:
        try:
            compiled.append(re.compile(re.escape(text) if re.match(r"^\.[^.]", text) else text))
        except re.error:
            continue
    return compiled


@dataclass(frozen=True)
class Unseen:
    """A literal key (file relative to the scanned root) that Checkov shows no check, and why."""

    literal: Literal
    reason: str


@dataclass(frozen=True)
class DirectoryView:
    directory: Path
    checked: bool  # Checkov hands at least one block of the directory to a check
    unseen: tuple[Unseen, ...]
    unreadable: tuple[Unreadable, ...]  # Checkov judges nothing in them either; byok fails on them (D013)


@dataclass
class Sweep:
    """What one host block reports beyond its own literals."""

    literals: list[Unseen] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)


def view_directory(directory: Path, files: list[Path], root: Path, walk: CheckovWalk = CheckovWalk()) -> DirectoryView:
    """What Checkov shows a check of one directory's literals (file names relative to ``root``).

    What the run was told to skip is neither shown a check nor reported: the user left it out on purpose.
    """
    if _skipped_by_run(directory, root, walk):
        return DirectoryView(directory, False, (), ())
    scan = scan_directory([path for path in files if not walk.excludes(path)], root)
    not_walked = _not_walked(directory, root, walk)
    unreadable = {u.file for u in scan.unreadable}
    skipped = {name for name in scan.block_kinds if walk.skips(name.rsplit("/", 1)[-1])}
    read = set()
    if not_walked is None:
        read = {name for name in scan.block_kinds if name.endswith(_READ) and name not in unreadable | skipped}
    checked = any(scan.block_kinds[name] & CHECKED_KINDS for name in read)
    used = {flow.name for flow in scan.flows if flow.file in read and flow.block_kind in CHECKED_KINDS}
    unseen = []
    for lit in scan.literals:
        if not lit.reference.pins_key:
            continue
        if lit.block_kind in CHECKED_KINDS and lit.file in read:
            continue
        if lit.block_kind in VALUE_KINDS and lit.address in used:
            continue
        reason = not_walked or ("Checkov skips hidden and ignored files" if lit.file in skipped else None)
        unseen.append(Unseen(lit, reason or _reason(lit, unreadable)))
    return DirectoryView(directory, checked, tuple(unseen), tuple(scan.unreadable))


def sweep_plan(root: Path, walk: CheckovWalk = CheckovWalk()) -> dict[Path | None, Sweep]:
    """The unseen literals and unreadable files under ``root`` by the directory whose first block reports them.

    Directories are keyed as walked under ``root`` (absolute); :data:`RUN` keys those reported by the
    run's first checked block, None those no check can report because Checkov checks no block at all.
    """
    root = Path(os.path.abspath(root))  # normalised as the pack normalises the files Checkov hands it
    unlisted: list[Path] = []
    directories = _directories(root, unlisted).items()
    views = [view_directory(directory, files, root, walk) for directory, files in directories]
    views += [
        DirectoryView(path, False, (), (Unreadable(_relative(path, root), f"cannot list the directory {path}"),))
        for path in unlisted
        if not _skipped_by_run(path, root, walk)
    ]
    checked = {view.directory for view in views if view.checked}
    plan: dict[Path | None, Sweep] = {}
    for view in views:
        if view.unseen or view.unreadable:
            ancestors = (view.directory, *view.directory.parents)
            host = next((d for d in ancestors if d in checked), RUN if checked else None)
            sweep = plan.setdefault(host, Sweep())
            sweep.literals.extend(view.unseen)
            sweep.unreadable.extend(view.unreadable)
    return plan


def _directories(root: Path, unlisted: list[Path]) -> dict[Path, list[Path]]:
    by_directory: dict[Path, list[Path]] = {}
    for path in source_files(root, unlisted):
        by_directory.setdefault(path.parent, []).append(path)
    return by_directory


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def _not_walked(directory: Path, root: Path, walk: CheckovWalk) -> str | None:
    """Why Checkov's walk of ``root`` never enters ``directory`` (None when it does)."""
    relative = directory.relative_to(root).parts if directory != root else ()
    for index, name in enumerate(relative):
        if Path(root, *relative[: index + 1]).is_symlink():
            return "Checkov does not follow symlinked directories"
        if walk.skips(name):
            return "Checkov skips hidden and ignored directories"
    return None


def _skipped_by_run(directory: Path, root: Path, walk: CheckovWalk) -> bool:
    """Whether a skip path prunes ``directory`` or a directory above it from Checkov's walk of ``root``."""
    return any(
        walk.excludes(path) for path in (directory, *directory.parents) if path.is_relative_to(root) and path != root
    )


def _reason(lit: Literal, unreadable: set[str]) -> str:
    if file_kind(Path(lit.file)) is None:
        return "a file the block reads with file()/templatefile(), which Checkov's checks are not shown"
    if lit.file in unreadable:
        return "Checkov skips files it cannot parse"
    if lit.file.endswith(".tf.json"):
        return "Checkov does not read .tf.json files"
    if lit.block_kind in VALUE_KINDS:
        return "no block Checkov checks uses the value"
    if lit.block_kind == "root":
        return "Checkov has no check type for top-level attributes (Terragrunt inputs)"
    return f"Checkov has no check type for {'backend' if lit.block_kind == 'terraform' else lit.block_kind} blocks"
