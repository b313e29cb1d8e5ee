"""Generate + wrap + import N materials through each token (SoftHSM2, opencryptoki) and the local endpoint.

Baselines measured in the same process:
- the issue's floor: N RSA-OAEP public-key operations in software (what wrapping costs at minimum);
- a software pipeline: the same import flow with the wrap done by ``cryptography`` instead of the HSM,
  which shows what the HSM itself adds.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import boto3
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from bench.report import Row, write_table
from byok.config import AwsSettings, HsmSettings
from byok.demo import use_local_credentials, write_secret
from byok.hsm import Pkcs11Hsm, SoftHsmToken
from byok.hsm.opencryptoki import OpencryptokiToken, SlotDaemon
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient
from byok.model import ImportType, WrappingAlgorithm, WrappingKeySpec
from byok.sandbox.server import LocalEndpoint

REGION = "eu-central-1"


def software_oaep_floor(public_der: bytes, count: int) -> float:
    public_key = serialization.load_der_public_key(public_der)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303
    started = time.perf_counter()
    for _ in range(count):
        public_key.encrypt(os.urandom(32), oaep)
    return time.perf_counter() - started


@contextmanager
def _softhsm(work_dir: Path, pin: str) -> Iterator[HsmSettings]:
    token = SoftHsmToken.create(work_dir / "hsm", "byok-bench", pin, write_secret(work_dir / "so-pin"))
    yield HsmSettings(module=token.module, token_label=token.label)


@contextmanager
def _opencryptoki(work_dir: Path, pin: str) -> Iterator[HsmSettings]:
    """The machine's opencryptoki soft token (factory-fresh or byok's); pkcsslotd started and stopped here if needed."""
    daemon = SlotDaemon()
    daemon.start()
    created = False
    try:
        token = OpencryptokiToken.create("byok-bench", pin, "so" + pin[:6])  # refuses someone else's token
        created = True
        yield HsmSettings(module=token.module, token_label=token.label)
    finally:
        daemon.stop(factory_reset=created)


TokenOpener = Callable[[Path, str], AbstractContextManager[HsmSettings]]
TOKENS: dict[str, TokenOpener] = {"SoftHSM2": _softhsm, "opencryptoki": _opencryptoki}


def run(out: Path, count: int = 200) -> str:
    use_local_credentials()
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as work, LocalEndpoint() as endpoint:
        work_dir = Path(work)
        pin = write_secret(work_dir / "pin")[:8]  # opencryptoki PINs are 4-8 characters
        kms = KmsClient(AwsSettings(endpoint.url, REGION))
        raw = boto3.client("kms", endpoint_url=endpoint.url, region_name=REGION)
        spec = WrappingKeySpec.RSA_4096
        for name, open_token in TOKENS.items():
            keys = [raw.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"] for _ in range(count)]
            with open_token(work_dir / name, pin) as settings, Pkcs11Hsm.open(settings, pin) as hsm:
                choice = hsm.choose_algorithm()
                seconds, steps = _hsm_pipeline(MaterialImporter(hsm, kms, choice, spec), keys)
            rows.append(Row(f"byok on {name}: HSM generate + in-token wrap + import", seconds, count, choice.algorithm))
            notes.append(
                f"{name} ({choice.algorithm.value}), ms per material: "
                + ", ".join(f"{step} {spent / count * 1000:.1f}" for step, spent in sorted(steps.items()))
            )
        public_der = kms.get_import_parameters(keys[-1], WrappingAlgorithm.RSAES_OAEP_SHA_1, spec).public_key_der
        floor = software_oaep_floor(public_der, count)
        software_keys = [raw.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"] for _ in range(count)]
        software = _software_pipeline(kms, software_keys, spec)
    notes = [
        f"wrapping key {spec.value}; {count} keys per token, one material each; each token wraps with the "
        "strongest algorithm its probe finds",
        *notes,
        "the baseline is the issue's floor: the RSA-OAEP public-key operation alone. The HSM pipeline also pays "
        "the token persisting an object, two HTTP round trips, and the endpoint's RSA private-key unwrap.",
    ]
    rows.append(Row("same flow, wrap in software (no HSM)", software, count, "cryptography RSA_AES_KEY_WRAP_SHA_1"))
    return write_table(
        out / "materials.md",
        "generate + wrap + import",
        Row("software RSA-OAEP public-key op (floor)", floor, count),
        rows,
        notes,
    )


def _hsm_pipeline(importer: MaterialImporter, keys: list[str]) -> tuple[float, dict[str, float]]:
    """Seconds for importing one material into each key, and the time spent in each step."""
    steps: dict[str, float] = defaultdict(float)
    mark = [time.perf_counter(), ""]

    def timed(step: str) -> None:
        now = time.perf_counter()
        if mark[1]:
            steps[mark[1]] += now - mark[0]
        mark[:] = [now, step]

    started = time.perf_counter()
    for key_id in keys:
        mark[:] = [time.perf_counter(), "plan"]
        importer.execute(importer.plan(key_id), valid_to=None, progress=timed)
        timed("")
    return time.perf_counter() - started, steps


def _software_pipeline(kms: KmsClient, keys: list[str], spec: WrappingKeySpec) -> float:
    """Params + software wrap + import: the same endpoint work without the HSM (material never kept)."""
    from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303
    algorithm = WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1
    started = time.perf_counter()
    for key_id in keys:
        params = kms.get_import_parameters(key_id, algorithm, spec)
        public_key = serialization.load_der_public_key(params.public_key_der)
        ephemeral = os.urandom(32)
        wrapped = public_key.encrypt(ephemeral, oaep) + aes_key_wrap_with_padding(ephemeral, os.urandom(32))
        kms.import_material(params, wrapped, import_type=ImportType.NEW_KEY_MATERIAL, valid_to=None)
    return time.perf_counter() - started
