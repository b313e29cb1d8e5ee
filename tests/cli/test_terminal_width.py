"""Key commands in an 80-column pseudo-terminal: no line wider than the terminal, every key ID and ARN whole.

The commands run as a user runs them: the real ``byok`` executable with its stdout on a tty of 80 columns (and no
``COLUMNS`` in the environment, so the width comes from the terminal itself), against the local endpoint seeded
with an estate like the demo's: alias-swap generations (the alias on the wrong one), an in-place key with an
expiring material, and a dozen imported keys byok does not manage (the info findings that used to bury the rest).
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from byok.demo import copy_estate
from byok.output.table import display_width
from support.sandbox import client, import_material

BYOK = str(Path(sys.executable).with_name("byok"))  # the installed command, as a user runs it
COLUMNS, ROWS = 80, 24
REPO = Path(__file__).resolve().parents[2]
REGION = "eu-central-1"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def in_terminal(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, list[str]]:
    """Run ``byok ARGS`` with stdout and stderr on a fresh 80x24 pseudo-terminal; its lines as displayed."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    process = subprocess.Popen(
        [BYOK, *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(controller, 1 << 16)
        except OSError:  # EIO: the child closed its side
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    code = process.wait(timeout=30)
    text = ANSI.sub("", output.decode("utf-8", "replace"))
    return code, text.replace("\r\n", "\n").split("\n")


def external_key(kms, name: str, generation: int, strategy: str, valid_to: datetime | None = None) -> dict:
    tags = {
        "byok:key": name,
        "byok:generation": str(generation),
        "byok:strategy": strategy,
        "byok:rotated": "2026-01-05",
    }
    key = kms.create_key(Origin="EXTERNAL", Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])["KeyMetadata"]
    extra = {"ValidTo": valid_to} if valid_to else {}
    import_material(kms, key["KeyId"], os.urandom(32), **extra)
    return key


@pytest.fixture(scope="module")
def estate(endpoint, tmp_path_factory):
    endpoint.reset()
    kms = client(endpoint, "kms", REGION)
    s3_g1 = external_key(kms, "dev-s3", 1, "alias-swap")
    s3_g2 = external_key(kms, "dev-s3", 2, "alias-swap")
    kms.create_alias(AliasName="alias/dev-s3", TargetKeyId=s3_g2["KeyId"])
    kms.create_alias(AliasName="alias/dev-s3-g1", TargetKeyId=s3_g1["KeyId"])
    dynamodb = external_key(kms, "dev-dynamodb", 1, "in-place", datetime.now(UTC) + timedelta(days=5))
    import_material(kms, dynamodb["KeyId"], os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    kms.rotate_key_on_demand(KeyId=dynamodb["KeyId"])
    kms.create_alias(AliasName="alias/dev-dynamodb", TargetKeyId=dynamodb["KeyId"])
    for number in range(12):
        other = kms.create_key(Origin="EXTERNAL", Description=f"not managed by byok {number}")["KeyMetadata"]
        import_material(kms, other["KeyId"], os.urandom(32))
    work = copy_estate(REPO, tmp_path_factory.mktemp("estate"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BYOK_")) and k not in ("COLUMNS", "LINES")}
    env.update(
        BYOK_AWS_ENDPOINT=endpoint.url,
        AWS_REGION=REGION,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        TERM="xterm",
    )
    return {"dir": work, "env": env, "s3_g1": s3_g1, "s3_g2": s3_g2, "dynamodb": dynamodb, "kms": kms}


def assert_fits(lines: list[str]) -> None:
    print("\n".join(lines))
    too_wide = [line for line in lines if display_width(line) > COLUMNS]
    assert not too_wide, "\n".join(too_wide)


def test_rotate_status_fits(estate):
    code, lines = in_terminal(["rotate", "status"], estate["env"], estate["dir"])
    assert code == 0, "\n".join(lines)
    assert_fits(lines)
    text = "\n".join(lines)
    for env in ("dev", "int", "prod"):
        assert re.search(rf"^{env}\s+s3\s", text, re.M), text  # a table, not records: it fits in 80 columns


def test_inventory_fits_and_shows_every_key_id_whole(estate):
    code, lines = in_terminal(["inventory"], estate["env"], estate["dir"])
    assert code == 0, "\n".join(lines)
    assert_fits(lines)
    for key in (estate["s3_g1"], estate["s3_g2"], estate["dynamodb"]):
        assert any(key["KeyId"] in line for line in lines)


def test_material_list_fits_and_shows_the_key_arn_and_material_ids_whole(estate):
    code, lines = in_terminal(["material", "list", "--key", "alias/dev-dynamodb"], estate["env"], estate["dir"])
    assert code == 0, "\n".join(lines)
    assert_fits(lines)
    assert any(estate["dynamodb"]["Arn"] in line for line in lines)
    materials = estate["kms"].list_key_rotations(
        KeyId=estate["dynamodb"]["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL"
    )
    for material in materials["Rotations"]:
        assert any(material["KeyMaterialId"] in line for line in lines)


def test_drift_live_fits_and_summarises_the_info_notes(estate):
    args = ["drift", "live", "--fail-on", "none"]
    code, lines = in_terminal(args, estate["env"], estate["dir"])
    assert code == 0, "\n".join(lines)
    assert_fits(lines)
    text = "\n".join(lines)
    assert "BYOK-D004" in text and "BYOK-D006" in text  # the material expiring in five days, the alias
    assert any(estate["dynamodb"]["Arn"] in line for line in lines)
    assert "BYOK-D011" in text and "not listed" in " ".join(text.split())
    assert text.count("not managed by byok") == 0 and text.count("Origin=EXTERNAL") == 0
    code, verbose = in_terminal([*args, "--verbose"], estate["env"], estate["dir"])
    assert code == 0
    assert_fits(verbose)
    assert " ".join(verbose).count("Origin=EXTERNAL") >= 12
