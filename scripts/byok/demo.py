"""The demo on the embedded default: a SoftHSM2 token, the local AWS endpoint, real imports.

It is the same code path as production (PyKCS11 against a PKCS#11 library, boto3 against a
KMS endpoint); only the HSM and the endpoint are local. PINs are random, kept in 0600 files
under the work dir, and never printed.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from byok.canary import make_canary, verify_canary
from byok.config import DEFAULT_PKCS11_MODULE, AwsSettings, HsmSettings
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient

ENVIRONMENTS = ("dev", "int", "prod")
SERVICES = ("s3", "rds", "dynamodb")
DEMO_TOKEN = "byok-demo"  # noqa: S105 - a PKCS#11 token label, not a secret
DEMO_REGION = "eu-central-1"


@dataclass(frozen=True)
class KeyResult:
    alias: str
    key_id: str
    material_before: str
    material_after: str
    old_canary_material: str | None
    new_canary_material: str | None
    check_value_before: str
    check_value_after: str
    kms_matches_hsm: bool

    @property
    def ok(self) -> bool:
        return (
            self.material_before != self.material_after
            and self.old_canary_material == self.material_before
            and self.new_canary_material == self.material_after
            and self.kms_matches_hsm
        )


def write_secret(path: Path) -> str:
    """A fresh random PIN in a file only root can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(8)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def prepare_token(work_dir: Path):
    """A fresh SoftHSM2 token under work_dir/hsm; returns (token, pin file)."""
    from byok.hsm.softhsm import SoftHsmToken

    hsm_dir = work_dir / "hsm"
    shutil.rmtree(hsm_dir, ignore_errors=True)
    pin_file = hsm_dir / "user-pin"
    user_pin = write_secret(pin_file)
    so_pin = write_secret(hsm_dir / "so-pin")
    token = SoftHsmToken.create(hsm_dir, label=DEMO_TOKEN, user_pin=user_pin, so_pin=so_pin)
    return token, pin_file


def use_local_credentials() -> None:
    """The local endpoint accepts any credentials; never let a real profile leak into the demo."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": DEMO_REGION,
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_PROFILE", None)


def rotate_one(importer: MaterialImporter, kms: KmsClient, alias: str, check_value) -> KeyResult:
    """Create, import, encrypt a canary, rotate in place, and check both canaries."""
    key = kms.create_external_key(f"byok demo {alias}", tags={"byok:key": alias})
    kms.create_alias(f"alias/{alias}", key.key_id)
    first = importer.execute(importer.plan(f"alias/{alias}"), valid_to=None)
    old_canary = make_canary(kms, f"alias/{alias}", "before-rotation")
    second = importer.execute(importer.plan(f"alias/{alias}", rotate=True), valid_to=None)
    new_canary = make_canary(kms, f"alias/{alias}", "after-rotation")
    return KeyResult(
        alias=alias,
        key_id=key.key_id,
        material_before=first.material_id,
        material_after=second.material_id,
        old_canary_material=verify_canary(kms, old_canary),
        new_canary_material=verify_canary(kms, new_canary),
        check_value_before=first.check_value,
        check_value_after=second.check_value,
        kms_matches_hsm=(
            check_value(key.key_id, first.material_id) == first.check_value
            and check_value(key.key_id, second.material_id) == second.check_value
        ),
    )


def run_demo(work_dir: Path, on_key: Callable[[str], None] = lambda alias: None) -> tuple[list[KeyResult], str]:
    """Run the whole demo; returns one result per key and the wrapping algorithm's explanation."""
    from moto.core import DEFAULT_ACCOUNT_ID

    from byok.hsm.pkcs11 import Pkcs11Hsm
    from byok.sandbox.introspection import check_value
    from byok.sandbox.server import LocalEndpoint

    def imported_check_value(key_id: str, material_id: str) -> str:
        return check_value(DEFAULT_ACCOUNT_ID, DEMO_REGION, key_id, material_id)

    work_dir.mkdir(parents=True, exist_ok=True)
    use_local_credentials()
    token, pin_file = prepare_token(work_dir)
    os.environ["BYOK_HSM_PIN_FILE"] = str(pin_file)
    settings = HsmSettings(module=os.environ.get("BYOK_PKCS11_MODULE", DEFAULT_PKCS11_MODULE), token_label=DEMO_TOKEN)
    results: list[KeyResult] = []
    with LocalEndpoint() as endpoint:
        kms = KmsClient(AwsSettings(endpoint_url=endpoint.url, region=DEMO_REGION))
        with Pkcs11Hsm.open(settings, pin_file.read_text()) as hsm:
            choice = hsm.choose_algorithm()
            importer = MaterialImporter(hsm, kms, choice, settings.wrapping_key_spec)
            for environment in ENVIRONMENTS:
                for service in SERVICES:
                    alias = f"{environment}-{service}"
                    on_key(alias)
                    results.append(rotate_one(importer, kms, alias, imported_check_value))
    return results, f"{choice.algorithm.value} ({choice.reason})"
