"""The whole GitOps story once per token (Terraform, the local endpoint, Checkov), then what it must prove.

On SoftHSM2 the demo makes its own token, as ``make demo`` does; on opencryptoki it runs on the test's token,
configured as a user would (``byok demo --external-token``: BYOK_PKCS11_MODULE, BYOK_TOKEN_LABEL,
BYOK_HSM_PIN_FILE), so the SHA-256 OAEP wrapping path goes through the whole story. The run is shared by the tests
of this module: it takes about a minute per token, mostly Terraform's RDS waiter.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.kms.models import kms_backends

from byok.audit.verify import verify_file
from byok.demo import DEMO_REGION, DEMO_TOKEN, DemoReport, GitOpsDemo, external_token
from byok.render import read_tfvars
from byok.sandbox.keys import materials_of
from byok.sandbox.server import LocalEndpoint

REPO = Path(__file__).parents[2]


@dataclass
class Run:
    report: DemoReport
    work: Path
    output: bytes
    debug_log: bytes
    secrets: list[bytes]
    pin_files: list[Path]
    check_values: bool
    algorithm: str  # the strongest wrapping the token's probe finds


def _write_private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory, token) -> Run:
    tmp_path = tmp_path_factory.mktemp("gitops")
    work = tmp_path / "work"
    if token.kind.name == "softhsm2":
        demo_token, pin_files = None, [work / "hsm" / "user-pin", work / "hsm" / "so-pin"]
    else:
        pin_files = [
            _write_private(tmp_path / "user-pin", token.user_pin),
            _write_private(tmp_path / "so-pin", token.so_pin),
        ]
        demo_token = external_token(
            {
                "BYOK_PKCS11_MODULE": token.module,
                "BYOK_TOKEN_LABEL": token.label,
                "BYOK_HSM_PIN_FILE": str(pin_files[0]),
            }
        )
    # The story starts on an empty account, as `make demo` does in its own process: forget what earlier tests of
    # this process left in the in-process sandbox (a key whose material they deleted would fail the drift gate).
    LocalEndpoint().reset()
    log_file = tmp_path / "debug.log"
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # botocore logs request bodies at DEBUG: the worst case
    lines: list[str] = []
    try:
        report = GitOpsDemo(work, REPO, say=lines.append, token=demo_token).run()
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()
    output = "\n".join(lines).encode()
    ran_on = demo_token.label if demo_token else DEMO_TOKEN  # the demo's own token on SoftHSM2
    assert f"token '{ran_on}'".encode() in output
    return Run(
        report,
        work,
        output,
        log_file.read_bytes(),
        imported_secrets(),
        pin_files,
        not token.lacks("check-value"),
        token.kind.wraps_with[0].value,
    )


def imported_secrets() -> list[bytes]:
    """The sandbox KMS is the one place outside the HSM that holds material (it must, to decrypt)."""
    secrets = []
    for key in kms_backends[DEFAULT_ACCOUNT_ID][DEMO_REGION].keys.values():
        materials = materials_of(key)
        if materials is not None:
            secrets.extend(m.secret for m in materials.entries() if m.secret)
    return secrets


def encodings(secret: bytes) -> list[bytes]:
    return [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret),
        base64.b64encode(secret).rstrip(b"="),
    ]


def test_both_strategies_rotate_and_old_data_still_decrypts(run):
    stories = {story.name: story for story in run.report.keys}
    assert {stories[name].strategy for name in stories} == {"in-place", "alias-swap"}
    for story in stories.values():
        assert story.ok, story
        if story.strategy == "in-place":
            assert story.key_after == story.key_before  # same key ID, new material
        else:
            assert story.key_after != story.key_before  # alias moved to the new generation's key


def test_second_apply_changes_nothing_and_the_plan_passed_the_policies(run):
    assert run.report.second_apply == "idempotent"
    assert run.report.checkov_summary.endswith("0 failed")
    assert run.report.plan_summary.endswith("0 to destroy")


def test_tfvars_record_the_truth_and_terraform_followed_the_alias(run):
    estate = run.work / "estate" / "terraform"
    dev = read_tfvars(estate / "dev" / "byok.auto.tfvars")
    for key in dev.keys:
        assert [g.state.value for g in key.generations] == ["retiring", "active"]
        assert all(len(g.material_id) == 64 for g in key.generations)
        # where the token has no CKA_CHECK_VALUE, the audit fingerprint is KMS's material ID plus the HSM label
        assert all(len(g.check_value) == (6 if run.check_values else 0) for g in key.generations)
    state = json.loads((estate / "dev" / "terraform.tfstate").read_text())
    aliases = {
        r["values"]["name"]: r["values"]["target_key_arn"] for r in _resources(state) if r["type"] == "aws_kms_alias"
    }
    by_alias = {story.name: story for story in run.report.keys}
    assert aliases["alias/dev-s3"].endswith(by_alias["s3"].key_after)
    assert aliases["alias/dev-s3-g2"].endswith(by_alias["s3"].key_after)


def test_the_audit_journal_verifies_and_names_every_rotated_material(run):
    journal = run.work / "estate" / ".byok" / "journal.jsonl"
    outcome = verify_file(journal)
    assert outcome.ok, outcome
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    imported = {r["material_id"] for r in records if r["event"] == "material-imported"}
    assert {r["algorithm"] for r in records if r["event"] == "material-imported"} == {run.algorithm}
    assert {story.material_after for story in run.report.keys} <= imported
    assert {"rotated", "verified", "tfvars-updated", "run-finished"} <= {r["event"] for r in records}


def test_no_material_and_no_pin_anywhere(run):
    secret_files = {*run.pin_files, run.work / "database-password"}
    haystacks = {"demo output": run.output, "debug log": run.debug_log}
    for path in run.work.rglob("*"):
        if path.is_file() and path not in secret_files:
            haystacks[str(path)] = path.read_bytes()
    assert len(run.secrets) >= 16  # 12 first materials and 4 rotated ones: the search has something to find
    assert len(run.debug_log) > 10_000  # DEBUG logging really ran
    assert any(name.endswith(".tfstate") for name in haystacks) and any("journal" in name for name in haystacks)
    pins = [path.read_bytes() for path in run.pin_files]
    for where, data in haystacks.items():
        for secret in run.secrets:
            for needle in encodings(secret):
                assert needle not in data, f"key material found in {where}"
        for pin in pins:
            assert pin not in data, f"a PIN found in {where}"


def _resources(state: dict) -> list[dict]:
    found = []
    for resource in state.get("resources", []):
        for instance in resource.get("instances", []):
            found.append({"type": resource["type"], "values": instance["attributes"]})
    return found
