"""After the whole GitOps demo, no file, log record or output holds plaintext key material or a PIN.

Files include the Terraform state of three environments, the rendered tfvars, the audit journal, the
canaries and the SoftHSM2 token store.

The sandbox KMS is the only place outside the HSM that ever holds the material (it has to, to
decrypt): the test reads it from there, test-only, to know what to search for.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

from moto.core import DEFAULT_ACCOUNT_ID
from moto.kms.models import kms_backends

from byok.demo import DEMO_REGION, GitOpsDemo
from byok.sandbox.keys import materials_of


def encodings(secret: bytes) -> list[bytes]:
    return [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret),
        base64.b64encode(secret).rstrip(b"="),
    ]


def imported_secrets() -> list[bytes]:
    secrets = []
    for key in kms_backends[DEFAULT_ACCOUNT_ID][DEMO_REGION].keys.values():
        materials = materials_of(key)
        if materials is not None:
            secrets.extend(m.secret for m in materials.entries() if m.secret)
    return secrets


def test_demo_leaves_no_material_and_no_pin_anywhere(tmp_path, capfd):
    log_file = tmp_path / "debug.log"
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # botocore logs request bodies at DEBUG: the worst case
    try:
        report = GitOpsDemo(tmp_path / "work", Path(__file__).parents[2], say=print).run()
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()
    captured = capfd.readouterr()
    assert len(report.keys) == 4 and all(story.ok for story in report.keys)

    secrets = imported_secrets()
    assert len(secrets) >= 16  # 12 first materials and 4 rotated ones: the search has something to find
    pin = (tmp_path / "work" / "hsm" / "user-pin").read_bytes()
    so_pin = (tmp_path / "work" / "hsm" / "so-pin").read_bytes()
    haystacks: dict[str, bytes] = {
        "stdout": captured.out.encode(),
        "stderr": captured.err.encode(),
        "debug log": log_file.read_bytes(),
    }
    # The database password is Terraform's business (it sits in state, as Terraform stores every password).
    secret_files = {tmp_path / "work" / "hsm" / "user-pin", tmp_path / "work" / "hsm" / "so-pin"}
    secret_files.add(tmp_path / "work" / "database-password")
    for path in Path(tmp_path / "work").rglob("*"):
        if path.is_file() and path not in secret_files:
            haystacks[str(path)] = path.read_bytes()
    assert len(log_file.read_bytes()) > 10_000  # DEBUG logging really ran
    assert any(".tfstate" in name for name in haystacks) and any("journal" in name for name in haystacks)
    for where, data in haystacks.items():
        for secret in secrets:
            for needle in encodings(secret):
                assert needle not in data, f"key material found in {where}"
        for needle in (pin, so_pin):
            assert needle not in data, f"a PIN found in {where}"
