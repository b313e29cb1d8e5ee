"""Run locks between real processes: who holds it, waiting for it, and runs that died holding it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from byok.audit.errors import LockHeld, LockStale
from byok.audit.lock import lock_environment, lock_key
from byok.errors import ConfigError

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from byok.audit.lock import lock_environment, lock_key
    state, scope, run_id = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    env, _, key = scope.partition("/")
    lock = lock_key(state, env, key, run_id) if key else lock_environment(state, env, run_id)
    with lock:
        print("held", flush=True)
        sys.stdin.read()  # hold until the test closes our stdin
    """
)


@contextmanager
def holder(state: Path, scope: str, run_id: str = "run-A") -> Iterator[subprocess.Popen]:
    """Another process holding ``scope`` (``env`` or ``env/key``) until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state), scope, run_id], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert process.stdout.readline() == b"held\n"
        yield process
    finally:
        if process.poll() is None:
            process.stdin.close()
        process.wait(timeout=10)


def test_a_second_run_on_the_same_key_is_refused_naming_the_holder(tmp_path: Path) -> None:
    with holder(tmp_path, "dev/payments") as process, pytest.raises(LockHeld) as raised:
        with lock_key(tmp_path, "dev", "payments", "run-B"):
            pytest.fail("two runs held the same key")
    message = str(raised.value)
    assert f"key dev/payments is locked by run run-A (pid {process.pid} on " in message
    assert "since 20" in message and "pass --wait SECONDS" in message
    assert raised.value.exit_code == 6


def test_runs_on_different_keys_of_one_environment_proceed_together(tmp_path: Path) -> None:
    with holder(tmp_path, "dev/payments"), lock_key(tmp_path, "dev", "ledger", "run-B") as held:
        assert held.scope == "key dev/ledger" and held.recovered == ()


def test_a_whole_environment_run_waits_for_key_runs_and_says_which(tmp_path: Path) -> None:
    with holder(tmp_path, "dev/payments") as process, pytest.raises(LockHeld) as raised:
        with lock_environment(tmp_path, "dev", "run-B"):
            pytest.fail("an environment run overlapped a key run")
    assert f"environment dev is in use by run run-A (pid {process.pid}" in str(raised.value)


def test_a_key_run_waits_for_a_whole_environment_run(tmp_path: Path) -> None:
    with holder(tmp_path, "dev"), pytest.raises(LockHeld, match="environment dev is locked by run run-A"):
        with lock_key(tmp_path, "dev", "payments", "run-B"):
            pytest.fail("a key run overlapped an environment run")
    with lock_key(tmp_path, "prod", "payments", "run-B"):  # other environments are free
        pass


def test_wait_takes_the_lock_once_the_holder_finishes(tmp_path: Path) -> None:
    with holder(tmp_path, "dev/payments") as process:
        threading.Timer(0.3, process.stdin.close).start()
        started = time.monotonic()
        with lock_key(tmp_path, "dev", "payments", "run-B", wait=10) as held:
            assert held.recovered == ()  # the holder released cleanly
        assert time.monotonic() - started >= 0.25


def test_wait_gives_up_after_its_time(tmp_path: Path) -> None:
    with holder(tmp_path, "dev/payments"):
        started = time.monotonic()
        with pytest.raises(LockHeld, match="locked by run run-A"):
            with lock_key(tmp_path, "dev", "payments", "run-B", wait=0.3):
                pass
        assert 0.3 <= time.monotonic() - started < 3


@pytest.mark.parametrize(("held_scope", "named"), [("dev/payments", "key dev/payments"), ("dev", "environment dev")])
def test_a_run_killed_while_holding_a_lock_is_reported_by_the_next(tmp_path: Path, held_scope: str, named: str) -> None:
    with holder(tmp_path, held_scope) as process:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    with lock_key(tmp_path, "dev", "payments", "run-B") as held:
        (crashed,) = held.recovered
    assert (crashed.pid, crashed.run_id, crashed.scope) == (process.pid, "run-A", named)
    assert crashed.dead_here()
    with lock_key(tmp_path, "dev", "payments", "run-C") as again:  # run-B released cleanly
        assert again.recovered == ()


def test_a_lock_kept_by_a_dead_holders_child_says_how_to_find_it(tmp_path: Path) -> None:
    with holder(tmp_path, "dev/payments") as process:
        lock_file = tmp_path / "locks" / "dev" / "payments.lock"
        recorded = lock_file.read_bytes()
    # The holder is gone, but a process it started inherited the locked descriptor and lives on.
    inheritor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); fcntl.flock(fd, fcntl.LOCK_EX);"
            "print('held', flush=True); sys.stdin.read()",
            str(lock_file),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert inheritor.stdout.readline() == b"held\n"
        lock_file.write_bytes(recorded)  # as the dead holder left it
        with pytest.raises(LockStale) as raised:
            with lock_key(tmp_path, "dev", "payments", "run-B"):
                pass
    finally:
        inheritor.stdin.close()
        inheritor.wait(timeout=10)
    message = str(raised.value)
    assert f"its holder run run-A (pid {process.pid}" in message and "is no longer running" in message
    assert f"fuser -v {lock_file}" in message


def test_lock_files_record_the_holder_only_while_held(tmp_path: Path) -> None:
    lock_file = tmp_path / "locks" / "dev.lock"
    with lock_environment(tmp_path, "dev", "run-A"):
        assert f'"pid": {os.getpid()}' in lock_file.read_text()
    assert lock_file.read_text() == ""


@pytest.mark.parametrize(("environment", "key"), [("../etc", "k"), ("dev", "a/b"), ("dev", "")])
def test_names_cannot_escape_the_lock_directory(tmp_path: Path, environment: str, key: str) -> None:
    with pytest.raises(ConfigError, match="cannot name a lock file"):
        with lock_key(tmp_path, environment, key, "run-A"):
            pass
