"""``byok rotate apply`` over many keys in two accounts and two regions, with the endpoint's quotas on.

Real SoftHSM2 and the local endpoint; the second account is reached through an assumed role, as in
production. The endpoint's import quota is raised (as byok.toml's ``[quotas]`` is, for the client) so
the test takes seconds, while every other quota keeps its documented rate.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date

import boto3
import pytest

from byok.cli.main import main
from byok.config import AwsSettings
from byok.estate import EnvironmentState, Generation, GenerationState, ManagedKey
from byok.importer import MaterialImporter
from byok.kms.client import KmsClient
from byok.model import Strategy
from byok.render import read_tfvars, render_tfvars
from byok.rotation.canaries import CanaryStore
from byok.rotation.planner import propose
from byok.sandbox.throttle import Limits

OTHER_ACCOUNT = "210987654321"
ROLE = "byok-rotate"
REGIONS = ("eu-central-1", "eu-west-1")
IMPORT_RATE = 8  # GetParametersForImport per second, endpoint and client alike


def byok(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def own_account(endpoint) -> str:
    sts = boto3.client("sts", endpoint_url=endpoint.url, region_name=REGIONS[0])
    return sts.get_caller_identity()["Account"]


def kms_in(endpoint, account: str, own: str, region: str) -> KmsClient:
    session = None
    if account != own:
        sts = boto3.client("sts", endpoint_url=endpoint.url, region_name=region)
        credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed")[
            "Credentials"
        ]
        session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
    return KmsClient(AwsSettings(endpoint_url=endpoint.url, region=region), session)


@pytest.fixture
def wide_estate(tmp_path, monkeypatch, settings, user_pin, endpoint, hsm, own_account):
    """Eight in-place keys over 2 accounts x 2 regions and one alias-swap key, g1 imported, g2 proposed."""
    suffix = uuid.uuid4().hex[:6]
    (tmp_path / "byok.toml").write_text(
        '[estate]\norder = ["dev"]\n[environments.dev]\n'
        f'[rotation]\nrole_name = "{ROLE}"\nworkers_per_region = 3\n'
        f"[quotas]\nGetParametersForImport = {IMPORT_RATE}\n"
        '[material]\ntrusted_wrapping = "off"\n'
        'trusted_wrapping_opt_out = "concurrency story; tests/hsm/test_key_ceremony.py runs the ceremony"\n'
    )
    keys = []
    clients = {}
    for account in (own_account, OTHER_ACCOUNT):
        for region in REGIONS:
            kms = clients[(account, region)] = kms_in(endpoint, account, own_account, region)
            importer = MaterialImporter(hsm, kms, hsm.choose_algorithm())
            for n in (1, 2):
                name = f"k{len(keys)}"
                alias = f"dev-{name}-{suffix}"
                key = kms.create_external_key(alias)
                kms.create_alias(f"alias/{alias}", key.key_id)
                done = importer.execute(
                    importer.plan(f"alias/{alias}", label=f"byok/dev/{name}/g1/{key.key_id}"), valid_to=None
                )
                g1 = Generation(1, GenerationState.ACTIVE, date(2025, 1, n), done.material_id, done.check_value)
                account_field = "" if account == own_account else account
                keys.append(ManagedKey(name, alias, Strategy.IN_PLACE, 365, "", (g1,), account_field, region))
    kms = clients[(own_account, REGIONS[0])]
    swap = ManagedKey("swap", f"dev-swap-{suffix}", Strategy.ALIAS_SWAP, 365, "", (), region=REGIONS[0])
    first = create_generation_key(kms, swap, 1)
    kms.create_alias(f"alias/{swap.alias}", first.key_id)
    done = MaterialImporter(hsm, kms, hsm.choose_algorithm()).execute(
        MaterialImporter(hsm, kms, hsm.choose_algorithm()).plan(
            f"alias/{swap.alias}-g1", label=f"byok/dev/swap/g1/{first.key_id}"
        ),
        valid_to=None,
    )
    keys.append(
        replace(
            swap,
            generations=(Generation(1, GenerationState.ACTIVE, date(2025, 1, 1), done.material_id, done.check_value),),
        )
    )
    state = propose(EnvironmentState("dev", tuple(keys)), date.today(), 30).after
    tfvars = tmp_path / "terraform" / "dev" / "byok.auto.tfvars"
    tfvars.parent.mkdir(parents=True)
    tfvars.write_text(render_tfvars(state))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BYOK_HSM_PIN", user_pin)
    monkeypatch.setenv("BYOK_TOKEN_LABEL", settings.token_label)
    monkeypatch.setenv("BYOK_PKCS11_MODULE", settings.module)
    monkeypatch.setenv("BYOK_AWS_ENDPOINT", endpoint.url)
    monkeypatch.setenv("AWS_REGION", REGIONS[0])
    endpoint.set_limits(Limits(quotas=True, overrides={"GetParametersForImport": IMPORT_RATE}))
    yield tmp_path, tfvars, clients, own_account
    endpoint.reset()


def create_generation_key(kms: KmsClient, key: ManagedKey, generation: int):
    """What terraform apply does for an alias-swap generation: a new external key with its own alias."""
    created = kms.create_external_key(f"{key.alias} g{generation}")
    kms.create_alias(f"alias/{key.alias}-g{generation}", created.key_id)
    return created


def client_of(clients, own, key: ManagedKey) -> KmsClient:
    return clients[(key.account or own, key.region)]


def test_many_keys_in_two_accounts_and_regions_rotate_at_the_quota_with_no_throttling(wide_estate, capsys, endpoint):
    root, tfvars, clients, own = wide_estate
    create_generation_key(clients[(own, REGIONS[0])], read_tfvars(tfvars).key("swap"), 2)
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert sorted(row["key"] for row in rows) == sorted([f"k{n}" for n in range(8)] + ["swap"])
    assert {row["result"] for row in rows} == {"ok"} and {row["canaries_ok"] for row in rows} == {2}
    assert {row["where"] for row in rows} == {
        f"{account}/{region}" for account in ("own account", OTHER_ACCOUNT) for region in REGIONS
    }
    assert "rotating: 9/9 keys" in err and "ETA" in err
    assert sum(endpoint.limits_route.throttled.values()) == 0  # paced: the endpoint never had to refuse
    state = read_tfvars(tfvars)
    for key in state.keys:
        kms = client_of(clients, own, key)
        assert key.active.number == 2
        target = f"alias/{key.alias}" if key.strategy == Strategy.IN_PLACE else f"alias/{key.alias}-g2"
        assert kms.describe(target).current_material_id == key.active.material_id
        for canary in CanaryStore(root / ".byok").load("dev", key.name, 2):
            assert canary.key_arn.split(":")[4] == (key.account or own)
    code, out, _ = byok(capsys, "rotate", "apply", "--env", "dev")
    assert code == 0 and "nothing to apply" in out


def test_one_key_failing_leaves_the_others_rotated_and_verified_and_the_rerun_does_only_it(wide_estate, capsys):
    root, tfvars, clients, own = wide_estate
    swap = read_tfvars(tfvars).key("swap")  # terraform apply has not created its g2 key: it must fail alone
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 5, err  # a KMS error, the only kind of failure in this run
    assert "1 of 9 key(s) in dev failed: swap" in err and "resumes only the unfinished keys" in err
    rows = {row["key"]: row for row in json.loads(out)["rows"]}
    assert rows["swap"]["result"].startswith(
        "FAILED: DescribeKey on alias/" + swap.alias + "-g2 failed: NotFoundException"
    )
    assert all(row["result"] == "ok" and row["canaries_ok"] == 2 for name, row in rows.items() if name != "swap")
    state = read_tfvars(tfvars)
    assert state.key("swap").pending is not None and state.key("k0").active.number == 2
    journal = [json.loads(line) for line in (root / ".byok" / "journal.jsonl").read_text().splitlines()]
    assert [(r["event"], r["key"]) for r in journal if r["event"] == "key-failed"] == [("key-failed", "swap")]
    assert journal[-1]["event"] == "run-failed"

    create_generation_key(clients[(own, REGIONS[0])], swap, 2)
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 0, err
    assert [row["key"] for row in json.loads(out)["rows"]] == ["swap"]
    assert read_tfvars(tfvars).key("swap").active.number == 2
