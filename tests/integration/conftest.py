"""Integration fixtures: a real token (SoftHSM2 or opencryptoki, see tests/conftest.py) and the local AWS
endpoint (moto + KMS import) in-process."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from byok.audit.journal import Journal
from byok.config import AwsSettings
from byok.estate import Binding, EnvironmentState, Generation, GenerationState, ManagedKey
from byok.hsm import Pkcs11Hsm
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient
from byok.model import Strategy
from byok.render import read_tfvars, render_tfvars
from byok.rotation.apply import RotationRunner, pending_rotations
from byok.rotation.canaries import CanaryStore
from byok.rotation.journaling import RunJournal
from byok.rotation.planner import propose
from byok.sandbox import clock
from byok.sandbox.introspection import check_value
from byok.sandbox.server import LocalEndpoint
from support.multi_region import PRIMARY, REPLICAS

REGION = "eu-central-1"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@pytest.fixture(scope="session", autouse=True)
def aws_credentials() -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        patch.setenv(name, "testing")
    patch.setenv("AWS_DEFAULT_REGION", REGION)
    patch.delenv("AWS_PROFILE", raising=False)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint() as running:
        yield running


@pytest.fixture
def kms(endpoint: LocalEndpoint) -> KmsClient:
    return KmsClient(AwsSettings(endpoint_url=endpoint.url, region=REGION))


@pytest.fixture
def importer(hsm: Pkcs11Hsm, kms: KmsClient) -> MaterialImporter:
    return MaterialImporter(hsm, kms, hsm.choose_algorithm())


@pytest.fixture
def imported_check_value():
    """What the sandbox KMS really imported, as a key check value (test-only introspection)."""

    def read(key_id: str, material_id: str) -> str:
        return check_value(DEFAULT_ACCOUNT_ID, REGION, key_id, material_id)

    return read


@pytest.fixture
def estate(tmp_path, monkeypatch, settings, user_pin, endpoint, kms, importer):
    """An estate dir with byok.toml and dev tfvars; g1 of each key is imported as Terraform + byok would."""
    suffix = uuid.uuid4().hex[:8]
    s3_alias, rds_alias = f"dev-s3-{suffix}", f"dev-rds-{suffix}"
    (tmp_path / "byok.toml").write_text(
        '[estate]\norder = ["dev", "prod"]\n[environments.dev]\n[environments.prod]\n'
        f'window = {{ days = ["{WEEKDAYS[date.today().weekday() - 1]}"], start = "09:00", end = "10:00" }}\n'
        '[material]\ntrusted_wrapping = "off"\n'
        'trusted_wrapping_opt_out = "rotation story; test_ceremony_rotate_apply.py runs the ceremony"\n'
    )
    generations = {}
    for alias, name, target in ((s3_alias, "s3", s3_alias), (rds_alias, "rds", f"{rds_alias}-g1")):
        key = kms.create_external_key(f"{alias} g1")
        kms.create_alias(f"alias/{target}", key.key_id)
        if target != alias:
            kms.create_alias(f"alias/{alias}", key.key_id)
        outcome = importer.execute(
            importer.plan(f"alias/{target}", label=f"byok/dev/{name}/g1/{key.key_id}"), valid_to=None
        )
        generations[name] = Generation(
            1, GenerationState.ACTIVE, date(2025, 1, 1), outcome.material_id, outcome.check_value
        )
    state = EnvironmentState(
        "dev",
        (
            ManagedKey("s3", s3_alias, Strategy.IN_PLACE, 365, "", (generations["s3"],)),
            ManagedKey("rds", rds_alias, Strategy.ALIAS_SWAP, 365, "", (generations["rds"],)),
        ),
        (Binding("bucket", "s3"), Binding("db", "rds", 1)),
    )
    for env in ("dev", "prod"):
        path = tmp_path / "terraform" / env / "byok.auto.tfvars"
        path.parent.mkdir(parents=True)
        path.write_text(render_tfvars(EnvironmentState(env, state.keys, state.bindings)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BYOK_HSM_PIN", user_pin)
    monkeypatch.setenv("BYOK_TOKEN_LABEL", settings.token_label)
    monkeypatch.setenv("BYOK_PKCS11_MODULE", settings.module)
    monkeypatch.setenv("BYOK_AWS_ENDPOINT", endpoint.url)
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    return tmp_path, s3_alias, rds_alias


@pytest.fixture
def rotated(estate, kms, importer):
    """The estate after both keys rotated to g2 (alias swap's g2 key created as Terraform would)."""
    root, s3_alias, rds_alias = estate
    tfvars = root / "terraform" / "dev" / "byok.auto.tfvars"
    state = propose(read_tfvars(tfvars), clock.now().date(), 30).after
    g2 = kms.create_external_key(f"{rds_alias} g2")
    kms.create_alias(f"alias/{rds_alias}-g2", g2.key_id)
    journal = RunJournal(Journal.open(root / ".byok" / "journal.jsonl"), "test", "dev")
    runner = RotationRunner(importer, kms, CanaryStore(root / ".byok"), journal)
    for rotation in pending_rotations(state):
        state, _ = runner.rotate(state, rotation)
    tfvars.write_text(render_tfvars(state))
    yield root, state, journal
    clock.reset()


@dataclass(frozen=True)
class MultiRegionEstate:
    root: Path
    tfvars: Path
    key_id: str
    clients: dict[str, KmsClient]  # region -> client, the primary's and each replica's
    raw: object  # boto3 KMS client in the primary's region (to replicate the key later, as Terraform would)


@pytest.fixture
def multi_region_estate(tmp_path, monkeypatch, settings, user_pin, endpoint) -> Callable[..., MultiRegionEstate]:
    """A multi-Region key named ``dr`` in dev (primary + replicas, as Terraform creates them: PendingImport)."""

    def make(primary: str, replicas: tuple[str, ...], story: str, regions: tuple[str, ...] = ()) -> MultiRegionEstate:
        alias = f"dev-dr-{uuid.uuid4().hex[:8]}"
        raw = boto3.client("kms", endpoint_url=endpoint.url, region_name=primary)
        key_id = raw.create_key(Origin="EXTERNAL", MultiRegion=True, Description=alias)["KeyMetadata"]["KeyId"]
        raw.create_alias(AliasName=f"alias/{alias}", TargetKeyId=key_id)
        for region in replicas:
            raw.replicate_key(KeyId=key_id, ReplicaRegion=region)
        (tmp_path / "byok.toml").write_text(
            '[estate]\norder = ["dev"]\n[environments.dev]\n[material]\ntrusted_wrapping = "off"\n'
            f'trusted_wrapping_opt_out = "{story}; test_ceremony_rotate_apply.py runs the ceremony"\n'
        )
        first = Generation(1, GenerationState.ACTIVE, date(2025, 1, 1))
        key = ManagedKey("dr", alias, Strategy.IN_PLACE, 365, "", (first,), region=primary, replica_regions=replicas)
        tfvars = tmp_path / "terraform" / "dev" / "byok.auto.tfvars"
        tfvars.parent.mkdir(parents=True)
        tfvars.write_text(render_tfvars(EnvironmentState("dev", (key,))))
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("BYOK_HSM_PIN", user_pin)
        monkeypatch.setenv("BYOK_TOKEN_LABEL", settings.token_label)
        monkeypatch.setenv("BYOK_PKCS11_MODULE", settings.module)
        monkeypatch.setenv("BYOK_AWS_ENDPOINT", endpoint.url)
        monkeypatch.setenv("AWS_REGION", primary)
        clients = {region: KmsClient(AwsSettings(endpoint.url, region)) for region in (primary, *replicas, *regions)}
        return MultiRegionEstate(tmp_path, tfvars, key_id, clients, raw)

    return make


@pytest.fixture
def multi_region(multi_region_estate):
    """A multi-Region key (primary + 2 replicas, as Terraform creates them: PendingImport) declared in dev."""
    made = multi_region_estate(PRIMARY, REPLICAS, "multi-Region story")
    return made.root, made.tfvars, made.key_id, made.clients
