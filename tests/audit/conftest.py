"""A journal with one whole rotation in it, and a fixture that writes more rotations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from byok.audit.journal import Journal

MATERIAL_ID = "3f" * 32
CHECK_VALUE = "a1b2c3"
ALGORITHM = "RSA_AES_KEY_WRAP_SHA_256"
ROTATION_STEPS = (
    "material-generated",
    "parameters-fetched",
    "material-wrapped",
    "material-imported",
    "rotated",
    "verified",
    "tfvars-updated",
)
RECORDS_PER_ROTATION = len(ROTATION_STEPS) + 2

Rotate = Callable[..., None]


def _write_rotation(journal: Journal, environment: str = "dev", key: str = "payments", generation: int = 2) -> None:
    journal.append("run-started", environment=environment)
    for event in ROTATION_STEPS:
        journal.append(
            event,
            environment=environment,
            key=key,
            generation=generation,
            material_id=MATERIAL_ID,
            check_value=CHECK_VALUE,
            algorithm=ALGORITHM,
            result="ok",
        )
    journal.append("run-finished", environment=environment, result="ok")


@pytest.fixture
def rotate() -> Rotate:
    """Journal one whole in-place rotation (RECORDS_PER_ROTATION records) as ``rotate apply`` would."""
    return _write_rotation


@pytest.fixture(scope="session")
def _journal_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Written once (each record is fsynced, which is slow on a busy disk), copied for each test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BYOK_ACTOR", "alice@example.com")
        path = tmp_path_factory.mktemp("template") / "journal.jsonl"
        _write_rotation(Journal.open(path, run_id="run-1"))
    return path.read_bytes()


@pytest.fixture
def journal_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _journal_bytes: bytes) -> Path:
    """The state dir's journal after one rotation run (run-1) by alice@example.com."""
    monkeypatch.setenv("BYOK_ACTOR", "alice@example.com")
    path = tmp_path / "state" / "journal.jsonl"
    path.parent.mkdir()
    path.write_bytes(_journal_bytes)
    return path
