"""Run locks, so two runs on the same key (or a key and its whole environment) never interleave steps.

``flock`` on files in ``<state_dir>/locks``: the kernel releases a lock when its holder dies, so a
crashed run never blocks the next one for ever. A run on one key holds its environment's lock shared
and the key's lock exclusive, so runs on different keys of one environment proceed side by side
while a run over the whole environment (``rotate apply``, which rewrites the environment's tfvars)
holds the environment's lock exclusive and excludes them all.

The holder writes who it is (pid, host, run_id, since) into the file it locks and empties it on a
clean release, which gives two things to report: who holds a lock we cannot take, and, when we take
a lock whose file still names someone, a run that ended without releasing it (it crashed, maybe
mid-rotation). A lock still held while its recorded holder is dead on this host means a process
that inherited the descriptor lives on; the error says how to find it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from byok.audit.errors import LockHeld, LockStale
from byok.errors import ConfigError

_POLL_SECONDS = 0.05
_SETTLE_SECONDS = 0.5
_WAIT = "wait for it to finish, or pass --wait SECONDS"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    run_id: str
    since: str
    scope: str

    def describe(self) -> str:
        return f"run {self.run_id} (pid {self.pid} on {self.host}, since {self.since})"

    def dead_here(self) -> bool:
        """True only when we can tell: the holder ran on this host and its pid is gone."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            return False
        return False


@dataclass(frozen=True)
class Held:
    """What taking the locks found: runs that had held them and ended without releasing (crashed)."""

    scope: str
    recovered: tuple[Holder, ...]


@contextmanager
def lock_key(state_dir: Path, environment: str, key: str, run_id: str, wait: float = 0.0) -> Iterator[Held]:
    """Hold one key of an environment; other keys of the same environment stay free."""
    deadline = time.monotonic() + wait
    scope = f"key {environment}/{key}"
    with ExitStack() as stack:
        whole = stack.enter_context(
            _flock(
                state_dir / "locks" / f"{_name(environment)}.lock",
                f"environment {environment}",
                run_id,
                deadline,
                shared=True,
            )
        )
        found = stack.enter_context(_flock(_key_path(state_dir, environment, key), scope, run_id, deadline))
        yield Held(scope, whole + found)


@contextmanager
def lock_key_of_held_environment(state_dir: Path, environment: str, key: str, run_id: str) -> Iterator[Held]:
    """One key, for a run that already holds its environment whole and works on several keys at once.

    Its own environment lock already excludes every other run, so this cannot wait on anyone; what it
    adds is the holder record per key: a run that crashes leaves the keys it was in the middle of named.
    """
    scope = f"key {environment}/{key}"
    with _flock(_key_path(state_dir, environment, key), scope, run_id, time.monotonic()) as found:
        yield Held(scope, found)


def _key_path(state_dir: Path, environment: str, key: str) -> Path:
    return state_dir / "locks" / _name(environment) / f"{_name(key)}.lock"


@contextmanager
def lock_environment(state_dir: Path, environment: str, run_id: str, wait: float = 0.0) -> Iterator[Held]:
    """Hold a whole environment: no run on any of its keys can start until this one ends."""
    scope = f"environment {environment}"
    with _flock(state_dir / "locks" / f"{_name(environment)}.lock", scope, run_id, time.monotonic() + wait) as found:
        yield Held(scope, found)


@contextmanager
def _flock(
    path: Path, scope: str, run_id: str, deadline: float, *, shared: bool = False
) -> Iterator[tuple[Holder, ...]]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise ConfigError(
            f"cannot open the lock file {path}: {exc.strerror or exc}", "make state_dir writable"
        ) from None
    try:
        _acquire(fd, path, scope, deadline, shared)
        previous = _holder(fd)
        found = (previous,) if previous else ()
        if shared:
            if previous:  # no exclusive holder can exist while we hold it shared: the record is stale
                os.ftruncate(fd, 0)
            yield found
            return
        _record(fd, Holder(os.getpid(), socket.gethostname(), run_id, _now(), scope))
        try:
            yield found
        finally:
            os.ftruncate(fd, 0)  # a clean release leaves no holder behind
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, scope: str, deadline: float, shared: bool) -> None:
    operation = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    while True:
        try:
            fcntl.flock(fd, operation)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                refusal = _refusal(fd, path, scope)
                # A holder that just exited, or a successor yet to record itself, looks stale for a moment.
                if not isinstance(refusal, LockStale) or time.monotonic() >= deadline + _SETTLE_SECONDS:
                    raise refusal from None
            time.sleep(_POLL_SECONDS)


def _refusal(fd: int, path: Path, scope: str) -> LockHeld:
    holder = _holder(fd)
    if holder is not None and not holder.dead_here():
        return LockHeld(f"{scope} is locked by {holder.describe()}", _WAIT)
    key_holders = [h for h in _key_holders(path.with_suffix("")) if not h.dead_here()]
    if key_holders:
        return LockHeld(f"{scope} is in use by " + "; ".join(h.describe() for h in key_holders), _WAIT)
    if holder is not None:
        return LockStale(
            f"{scope} is still locked, but its holder {holder.describe()} is no longer running: "
            "a process it started still holds the lock file",
            f"find that process with `fuser -v {path}` and end it; the lock frees when it exits",
        )
    return LockHeld(f"{scope} is locked by a run that has not recorded itself yet", _WAIT)


def _key_holders(directory: Path) -> list[Holder]:
    """Who holds keys of an environment we wanted whole; read without locking, for the message only."""
    holders = []
    for path in sorted(directory.glob("*.lock")):
        try:
            holder = _parse(path.read_bytes())
        except OSError:
            continue
        if holder is not None:
            holders.append(holder)
    return holders


def _holder(fd: int) -> Holder | None:
    return _parse(os.pread(fd, 4096, 0))


def _parse(raw: bytes) -> Holder | None:
    """A lock file is empty, ours, or being written by its holder; only the second names anyone."""
    try:
        holder = Holder(**json.loads(raw))
    except (ValueError, TypeError):
        return None
    return holder if isinstance(holder.pid, int) else None


def _record(fd: int, holder: Holder) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(asdict(holder)).encode(), 0)
    os.fsync(fd)


def _name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{name!r} cannot name a lock file", "environment and key names are letters, digits, . _ -")
    return name


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
