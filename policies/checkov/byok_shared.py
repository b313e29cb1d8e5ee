"""The bridge from the Checkov pack to byok's shared reference model (``byok.keyscan``).

Checkov runs in its own virtual environment where byok is not installed. ``byok.keyscan`` imports only the
standard library, so the pack puts the repository's ``scripts/`` directory on ``sys.path`` and imports it:
the literal-key check judges exactly what ``byok drift code`` judges, with the same catalogue, the same
parser and the same lines. ``BYOK_SOURCE_DIR`` points elsewhere when the pack is copied out of the repo.

Checkov hands a check the file it came from relative to the scanned directory (``/sub/main.tf``), not the
directory itself: :func:`locate` resolves it against the ``-d``/``-f`` arguments Checkov was started with.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("BYOK_SOURCE_DIR") or Path(__file__).resolve().parents[2] / "scripts")
if str(SOURCE_DIR) not in sys.path:
    sys.path.append(str(SOURCE_DIR))

from byok.keyscan.checkov_view import RUN, CheckovWalk, Sweep, sweep_plan  # noqa: E402 - needs the path above
from byok.keyscan.hcl import fill_templates  # noqa: E402
from byok.keyscan.reference import literal_references  # noqa: E402
from byok.keyscan.scan import DirectoryScan, Literal, file_kind, scan_directory  # noqa: E402

__all__ = ["Literal", "Sweep", "block_literals", "file_kind", "key_tokens", "locate", "swept"]


def key_tokens(text: str) -> frozenset[str]:
    """Every key and alias ``text`` names, as ``key:<id>`` / ``alias:<name>``, case-folded.

    Account and region are left out on purpose: a retired-key match errs towards a false alarm, never a miss.
    """
    found = literal_references(fill_templates(text), takes_key=True)
    return frozenset(
        f"alias:{hit.reference.name.removeprefix('alias/').lower()}" if hit.reference.is_alias
        else f"key:{hit.reference.name}"
        for hit in found
    )  # fmt: skip


def _scan_roots(directories_only: bool = False) -> list[Path]:
    roots, argv = [], sys.argv
    for index, arg in enumerate(argv):
        value = argv[index + 1] if index + 1 < len(argv) else ""
        if arg in ("-d", "--directory"):
            roots.append(Path(value))
        elif arg in ("-f", "--file") and not directories_only:
            roots.append(Path(value).parent)
        elif arg.startswith("--directory=") or (arg.startswith("--file=") and not directories_only):
            path = Path(arg.split("=", 1)[1])
            roots.append(path if arg.startswith("--directory=") else path.parent)
    return roots if directories_only else [*roots, Path.cwd()]


@lru_cache(maxsize=4096)
def locate(scanned_file: str) -> Path | None:
    """The file on disk behind Checkov's ``scanned_file`` (absolute, or relative to a scanned directory)."""
    candidates = [root / scanned_file.lstrip("/") for root in _scan_roots()]
    candidates.append(Path(scanned_file))  # Checkov gives absolute paths for files outside the scanned root
    return next((candidate for candidate in candidates if candidate.is_file()), None)


@lru_cache(maxsize=1024)
def _directory(directory: Path) -> DirectoryScan:
    files = sorted(path for path in directory.iterdir() if path.is_file() and file_kind(path))
    return scan_directory(files, directory)


def block_literals(path: Path, start: int, end: int) -> list[Literal]:
    """Key references written literally in lines ``start``-``end`` of ``path`` or reaching them by var/local.

    Those in a file byok cannot parse are left to the sweep (:func:`swept`), which reports every literal of
    such a file once, whether or not Checkov managed to read it.
    """
    scan = _directory(path.parent)
    unreadable = {u.file for u in scan.unreadable}
    return [lit for lit in scan.block_literals(path.name, start, end) if lit.file not in unreadable]


def checkov_walk() -> CheckovWalk:
    """What this Checkov's walk skips: names from its own settings (``CKV_IGNORED_DIRECTORIES``, hidden names)
    and the paths this run was told to skip (:func:`run_skip_paths`)."""
    try:
        from checkov.common.runners.base_runner import IGNORE_HIDDEN_DIRECTORY_ENV, ignored_directories
    except ImportError:  # imported outside Checkov (byok's own tests): Checkov 3.3.30's defaults
        return CheckovWalk()
    return CheckovWalk(frozenset(ignored_directories), bool(IGNORE_HIDDEN_DIRECTORY_ENV), run_skip_paths())


def run_skip_paths() -> tuple[str, ...]:
    """The run's skip paths, from the ``RunnerFilter`` that Checkov's registry is judging this block under.

    Checkov hands a check no run settings, and its skip paths come from ``--skip-path``, a config file's
    ``skip-path`` and the platform's repository settings: only the filter holds all of them. It is a local
    of the registry's ``scan`` further up this call, so the stack is searched for it.
    """
    from checkov.runner_filter import RunnerFilter

    frame = sys._getframe(1)
    while frame is not None:
        runner_filter = frame.f_locals.get("runner_filter")
        if isinstance(runner_filter, RunnerFilter):
            return tuple(runner_filter.excluded_paths or ())
        frame = frame.f_back
    return ()


@lru_cache(maxsize=1)
def _sweeps() -> dict[Path | None, list[tuple[Path, Sweep]]]:
    """Each ``-d`` directory's sweeps (with the directory), by host; files named with ``-f`` are not swept."""
    plan: dict[Path | None, list[tuple[Path, Sweep]]] = {}
    for root in _scan_roots(directories_only=True):
        for host, sweep in sweep_plan(root, checkov_walk()).items():
            plan.setdefault(host, []).append((Path(os.path.abspath(root)), sweep))
    return plan


_swept: set[Path | None] = set()


def swept(path: Path) -> list[tuple[Path, Sweep]]:
    """What Checkov shows no check that the block being judged in ``path`` reports, with the scanned directory.

    Each directory's is handed out once, to the first block Checkov judges there. The run's first block also
    takes what has no checked directory above it, and what the model expected no block at all to be judged
    for (None): a block is being judged, so it can report them. See :mod:`byok.keyscan.checkov_view`.
    """
    directory = Path(os.path.abspath(path.parent))
    hosts = [host for host in (RUN, None, directory) if host not in _swept]
    _swept.update(hosts)
    return [entry for host in hosts for entry in _sweeps().get(host, [])]
