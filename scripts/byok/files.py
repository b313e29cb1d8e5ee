"""Checked, atomic writes: every destination is proven writable before the first side effect, and every file
appears whole or not at all.

A command that changes the HSM, KMS or a tfvars file and only then finds that it cannot write its record
leaves half a change behind. So commands call ``check_writable`` for every file they will write before
they touch anything, and write with ``write_atomically`` (a temporary file beside the target, fsynced,
then renamed), so a crash or an interrupt leaves the old file or the new one. The check creates and
removes a probe file instead of trusting permission bits: root ignores them, read-only mounts do not.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from byok.errors import PathError


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def _probe(directory: Path, what: str, target: Path) -> None:
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".byok-probe-"):
            pass
    except OSError as exc:
        raise PathError(
            f"cannot write the {what} {target}: {directory} is not writable ({exc.strerror})",
            "fix the permissions, or choose another place; nothing was changed",
        ) from None


def check_writable(path: Path, what: str) -> None:
    """Refuse now a file that could not be written later (missing parents are fine: they will be created)."""
    if path.is_dir():
        raise PathError(f"the {what} {path} is a directory", "name a file; nothing was changed")
    existing = _nearest_existing(path.parent)
    if not existing.is_dir():
        raise PathError(
            f"cannot write the {what} {path}: {existing} is not a directory", "choose another path; nothing was changed"
        )
    _probe(existing, what, path)


def check_directory_writable(path: Path, what: str, must_be_empty: bool = False) -> None:
    """Refuse now a directory that could not be created or written later."""
    if path.exists() and not path.is_dir():
        raise PathError(f"the {what} {path} is not a directory", "choose a directory; nothing was changed")
    if must_be_empty and path.is_dir() and any(path.iterdir()):
        raise PathError(f"the {what} {path} already exists and is not an empty directory", "choose a new one")
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise PathError(
            f"cannot create the {what} {path}: {existing} is not a directory",
            "choose another path; nothing was changed",
        )
    _probe(existing, what, path)


def write_atomically(path: Path, content: str | bytes | Iterable[str], mode: int | None = None) -> None:
    """Write beside the target and rename, so a crash leaves the old file or the new one, never half of one.

    ``content`` may come in pieces (a large report written as it is rendered). The new file keeps the old one's
    permissions (or ``mode``, or the umask's default for a new file).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    pieces = [content] if isinstance(content, str | bytes) else content
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for piece in pieces:
                handle.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode if mode is not None else _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_directory_atomically(path: Path, files: dict[str, bytes]) -> None:
    """Fill a new directory beside ``path`` and rename it into place: an auditor never sees half a pack."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        staging.chmod(0o777 & ~_umask())
        if path.is_dir():
            path.rmdir()  # only ever an empty directory: callers refuse a non-empty one
        os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
