"""The evidence pack on disk: a directory or a tar.gz of a few named files, with their SHA256SUMS.

An auditor receives the pack, not our systems: ``sha256sum -c SHA256SUMS`` and ``verify_pack`` need
nothing else. Reading a tar.gz takes only the known file names, as bytes, and never extracts to disk,
so a hostile archive cannot write outside the auditor's directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from pathlib import Path, PurePosixPath

from byok.audit.errors import JournalError
from byok.audit.verify import Problem, Verdict, verify_stream
from byok.errors import PathError
from byok.files import check_directory_writable, check_writable, write_atomically, write_directory_atomically

SUMS = "SHA256SUMS"
RECORDS = "records.jsonl"
ANCHORS = "anchors.json"
SUMMARY = "summary.md"
_MEMBERS = (SUMMARY, RECORDS, ANCHORS, SUMS)
_MAX_MEMBER = 256 * 1024 * 1024


def is_tarball(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz"))


def check_pack_destination(out: Path) -> None:
    """Refuse an unusable ``--out`` before the journal is read, so a bad path costs nothing."""
    if is_tarball(out):
        if out.exists():
            raise PathError(f"the evidence pack {out} already exists", "choose a new --out")
        check_writable(out, "evidence pack")
    else:
        check_directory_writable(out, "evidence pack", must_be_empty=True)


def write_pack(files: dict[str, bytes], out: Path) -> None:
    """Add SHA256SUMS and write the files as a directory, or as a tar.gz when ``out`` is named so."""
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items())
    files = {**files, SUMS: sums.encode()}
    check_pack_destination(out)
    if is_tarball(out):
        _write_tarball(files, out)
        return
    write_directory_atomically(out, files)


def _write_tarball(files: dict[str, bytes], out: Path) -> None:
    top = out.name.removesuffix(".tar.gz").removesuffix(".tgz")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
            archive.addfile(info, io.BytesIO(data))
    write_atomically(out, buffer.getvalue())


def read_pack(path: Path) -> dict[str, bytes]:
    try:
        return _read_tarball(path) if is_tarball(path) else _read_directory(path)
    except (OSError, tarfile.TarError) as exc:
        raise JournalError(f"cannot read the evidence pack {path}: {exc}", "check the path") from None


def _read_directory(path: Path) -> dict[str, bytes]:
    return {name: (path / name).read_bytes() for name in _MEMBERS if (path / name).is_file()}


def _read_tarball(path: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            name = PurePosixPath(member.name).name
            if name not in _MEMBERS or not member.isfile() or member.size > _MAX_MEMBER:
                continue
            if name in files:
                raise JournalError(f"{path} holds {name} twice", "ask for a new export")
            handle = archive.extractfile(member)
            files[name] = handle.read() if handle else b""
    return files


def verify_pack(path: Path) -> Verdict:
    """Checksums first, then the records' chain between the anchors the pack states."""
    files = read_pack(path)
    missing = [name for name in _MEMBERS if name not in files]
    if missing:
        return Verdict(0, "", Problem(0, "pack", f"the pack lacks {', '.join(missing)}"))
    listed = []
    for number, line in enumerate(files[SUMS].decode("utf-8", "replace").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        listed.append(name)
        if name not in files or hashlib.sha256(files[name]).hexdigest() != digest:
            return Verdict(0, "", Problem(number, "checksum", f"{SUMS} line {number}: {name} does not match"))
    if sorted(listed) != sorted(_MEMBERS[:-1]):
        return Verdict(0, "", Problem(0, "checksum", f"{SUMS} must list exactly {', '.join(_MEMBERS[:-1])}"))
    try:
        anchors = json.loads(files[ANCHORS])
        after, last, count = str(anchors["prev"]), str(anchors["last"]), int(anchors["records"])
    except (ValueError, KeyError, TypeError):
        return Verdict(0, "", Problem(0, "pack", f"{ANCHORS} is not readable"))
    verdict = verify_stream(io.BytesIO(files[RECORDS]), after=after)
    if verdict.ok and (verdict.head, verdict.records) != (last, count):
        problem = Problem(
            verdict.records + 1,
            "anchor",
            f"the records end at {verdict.head[:16]}... after {verdict.records} records, but {ANCHORS} "
            f"says {last[:16]}... after {count}: records were cut off or added",
        )
        return Verdict(verdict.records, verdict.head, problem)
    return verdict
