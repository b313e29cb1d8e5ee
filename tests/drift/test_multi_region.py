"""Drift on real multi-Region keys of the local endpoint: each replica compared with its primary (the comparison
``material list`` and ``inventory`` make), and each replica region the tfvars declare looked for.

The endpoint keeps a replica's list of materials its primary's (as KMS does), so a replica whose materials
*differ* cannot be made through the API: that case is tested on hand-built evidence at the end.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from tests.drift.conftest import aws, days_ago, local_session

from byok.cli.main import main
from byok.drift.engine import DriftResult, scan
from byok.drift.evidence import Evidence
from byok.drift.facts import KeyFact
from byok.drift.intent import Intent
from byok.drift.reference import KeyReference
from byok.drift.rules import evaluate
from byok.drift.sources.config import ConfigSource
from byok.drift.sources.live import LiveSource
from byok.model import ImportState, KeyMaterial, KeyMaterialState
from byok.render.parse import parse_tfvars
from support.accounts import start_recorder
from support.output_schema import documented
from support.sandbox import ACCOUNT_ID, REGION, import_material

REPLICA_REGIONS = ("eu-west-1", "eu-central-1")
UNSCANNED = "ap-southeast-2"
SCANNED = (REGION, *REPLICA_REGIONS)
REPLICA_RULES = ("BYOK-D013", "BYOK-D014", "BYOK-D015", "BYOK-D016")


def tagged(name: str) -> list[dict[str, str]]:
    tags = {"byok:key": name, "byok:generation": "1", "byok:strategy": "in-place", "byok:state": "active"}
    return [{"TagKey": k, "TagValue": v} for k, v in tags.items()]


def multi_region_key(kms, name: str, replicas: tuple[str, ...]) -> str:
    key_id = kms.create_key(Origin="EXTERNAL", MultiRegion=True, Tags=tagged(name))["KeyMetadata"]["KeyId"]
    for region in replicas:
        kms.replicate_key(KeyId=key_id, ReplicaRegion=region, Tags=tagged(name))
    return key_id


@pytest.fixture(scope="module")
def estate(sandbox) -> Iterator[dict[str, str]]:
    """Real multi-Region keys, each in one state a DR estate meets; the replicas' own clients import into them."""
    sandbox.reset()
    kms = aws(sandbox, "kms")
    replica = {region: aws(sandbox, "kms", region) for region in (*REPLICA_REGIONS, UNSCANNED)}
    material = os.urandom(32)
    keys = {}

    keys["whole"] = multi_region_key(kms, "dev-whole", REPLICA_REGIONS)  # imported everywhere: nothing to say
    import_material(kms, keys["whole"], material)
    for region in REPLICA_REGIONS:
        import_material(replica[region], keys["whole"], material, ImportType="EXISTING_KEY_MATERIAL")

    keys["never"] = multi_region_key(kms, "dev-never", REPLICA_REGIONS)  # eu-west-1 never got the material
    import_material(kms, keys["never"], material)
    import_material(replica["eu-central-1"], keys["never"], material, ImportType="EXISTING_KEY_MATERIAL")

    keys["waiting"] = multi_region_key(kms, "dev-waiting", REPLICA_REGIONS)  # a rotation stopped half-way
    import_material(kms, keys["waiting"], material)
    for region in REPLICA_REGIONS:
        import_material(replica[region], keys["waiting"], material, ImportType="EXISTING_KEY_MATERIAL")
    new = os.urandom(32)
    import_material(kms, keys["waiting"], new, ImportType="NEW_KEY_MATERIAL")
    import_material(replica["eu-west-1"], keys["waiting"], new, ImportType="EXISTING_KEY_MATERIAL")

    keys["short"] = multi_region_key(kms, "dev-short", ("eu-west-1",))  # declared in two regions, replicated in one
    import_material(kms, keys["short"], material)
    import_material(replica["eu-west-1"], keys["short"], material, ImportType="EXISTING_KEY_MATERIAL")

    keys["single"] = kms.create_key(Origin="EXTERNAL", Tags=tagged("dev-single"))["KeyMetadata"]["KeyId"]
    import_material(kms, keys["single"], material)  # declared multi-Region, created single-Region

    keys["far"] = multi_region_key(kms, "dev-far", (UNSCANNED,))  # its replica is in a region nobody scans
    import_material(kms, keys["far"], material)
    import_material(replica[UNSCANNED], keys["far"], material, ImportType="EXISTING_KEY_MATERIAL")
    yield keys
    sandbox.reset()


def tfvars() -> str:
    declared = ", ".join(f'"{r}"' for r in REPLICA_REGIONS)
    entries = "\n".join(
        f'''  "{name}" = {{
    alias = "dev-{name}", strategy = "in-place", max_age_days = 365, description = "{name}"
    region = "{REGION}", replica_regions = [{declared}]
    generations = {{ "1" = {{ state = "active", created = "{days_ago(5)}" }} }}
  }}'''
        for name in ("whole", "short", "single")
    )
    return f'environment = "dev"\nkeys = {{\n{entries}\n}}\nbindings = {{}}\n'


@pytest.fixture(scope="module")
def result(sandbox, estate) -> DriftResult:
    source = LiveSource(SCANNED, endpoint_url=sandbox.url, session=local_session(), workers=4)
    return scan([source], Intent.of([parse_tfvars(tfvars())]))


def flagged(result: DriftResult, rule_id: str) -> dict[str, list[str]]:
    """Resource ARN -> details of one rule's findings."""
    found: dict[str, list[str]] = {}
    for f in result.findings:
        if f.rule_id == rule_id:
            found.setdefault(f.resource.id, []).append(f.detail)
    return found


def arn(region: str, key_id: str) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key_id}"


def test_a_replica_that_never_took_the_material_is_flagged_pending_import(result, estate):
    lacking = flagged(result, "BYOK-D015")
    [detail] = lacking[arn("eu-west-1", estate["never"])]
    assert "PendingImport" in detail and "not imported in this region" in detail
    assert arn("eu-central-1", estate["never"]) not in lacking  # that replica holds the bytes


def test_a_rotation_stopped_between_replicas_flags_the_one_still_lacking_the_new_material(result, estate):
    lacking = flagged(result, "BYOK-D015")
    [detail] = lacking[arn("eu-central-1", estate["waiting"])]
    assert "not imported in this region" in detail and "PendingImport" not in detail  # the old material works
    assert arn("eu-west-1", estate["waiting"]) not in lacking


def test_a_complete_multi_region_key_has_no_replica_finding(result, estate):
    mentioned = {f.resource.id for f in result.findings if f.rule_id in REPLICA_RULES}
    assert not {arn(r, estate["whole"]) for r in SCANNED} & mentioned
    assert not flagged(result, "BYOK-D014")  # the endpoint keeps every replica's list its primary's


def test_a_declared_replica_region_without_a_replica_is_flagged(result, estate):
    missing = flagged(result, "BYOK-D016")
    assert set(missing) == {arn(REGION, estate["short"]), arn(REGION, estate["single"])}
    [short] = missing[arn(REGION, estate["short"])]
    assert "has no replica in eu-central-1" in short
    [single] = missing[arn(REGION, estate["single"])]
    assert "is not a multi-Region key" in single


def test_a_replica_in_a_region_the_scan_did_not_read_is_a_gap_not_a_pass(result, estate):
    [detail] = flagged(result, "BYOK-D013")[arn(UNSCANNED, estate["far"])]
    assert UNSCANNED in detail and "did not read" in detail


def test_unimported_replica_material_is_not_reported_as_expired_or_deleted(result, estate):
    expired = flagged(result, "BYOK-D005")
    assert not {arn(r, estate[k]) for r in REPLICA_REGIONS for k in ("never", "waiting")} & set(expired)


def test_the_config_source_compares_replicas_as_the_api_scan_does(sandbox, estate, result):
    """Config records that a key is multi-Region but not its replicas: the source asks KMS, so nothing is lost."""
    for region in SCANNED:
        start_recorder(aws(sandbox, "config", region), ACCOUNT_ID)
    source = ConfigSource(SCANNED, endpoint_url=sandbox.url, session=local_session())
    via_config = scan([source], Intent.of([parse_tfvars(tfvars())]))

    def replica_findings(found: DriftResult) -> set[tuple[str, str]]:
        return {(f.rule_id, f.resource.id) for f in found.findings if f.rule_id in REPLICA_RULES[1:]}

    assert {rule for rule, _ in replica_findings(result)} == set(REPLICA_RULES[2:])  # D015 and D016 both fire
    assert replica_findings(via_config) == replica_findings(result)
    unscanned = [f for f in via_config.findings if f.rule_id == "BYOK-D013" and UNSCANNED in f.detail]
    assert unscanned, "the replica in the region nobody scans is a gap through Config too"


def test_replica_findings_reach_the_json_and_sarif_of_drift_live(sandbox, estate, tmp_path, monkeypatch, capsys):
    (tmp_path / "terraform" / "dev").mkdir(parents=True)
    (tmp_path / "terraform" / "dev" / "byok.auto.tfvars").write_text(tfvars())
    (tmp_path / "byok.toml").write_text(f'[estate]\norder = ["dev"]\n[environments.dev]\nregions = {list(SCANNED)}\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    live = ["drift", "live", "--endpoint-url", sandbox.url, "--workers", "4"]

    assert main([*live, "-o", "json"]) == 1  # high findings fail the default gate
    document = documented(capsys.readouterr().out, "drift")
    severities = {(f["rule_id"], f["severity"]) for f in document["findings"] if f["rule_id"] in REPLICA_RULES[1:]}
    assert severities == {("BYOK-D015", "high"), ("BYOK-D016", "high")}

    assert main([*live, "-o", "sarif"]) == 1
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert {"BYOK-D014", "BYOK-D015", "BYOK-D016"} <= {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {"BYOK-D015", "BYOK-D016"} <= {result["ruleId"] for result in run["results"]}


def material(material_id: str, state: KeyMaterialState) -> KeyMaterial:
    return KeyMaterial(material_id, state, ImportState.IMPORTED)


def test_a_replica_listing_other_materials_than_its_primary_is_flagged_as_differing():
    """Hand-built evidence: KMS (and the endpoint) never let a replica list other materials than its primary."""
    key_id = "mrk-0123456789abcdef0123456789abcdef"
    old, new, other = "a" * 64, "b" * 64, "c" * 64
    primary = KeyFact(
        KeyReference.parse(arn(REGION, key_id)),
        state="Enabled",
        origin="EXTERNAL",
        materials=(material(old, KeyMaterialState.NON_CURRENT), material(new, KeyMaterialState.CURRENT)),
        current_material_id=new,
        multi_region=True,
        multi_region_type="PRIMARY",
        replica_regions=("eu-west-1",),
    )
    replica = KeyFact(
        KeyReference.parse(arn("eu-west-1", key_id)),
        state="Enabled",
        origin="EXTERNAL",
        materials=(material(other, KeyMaterialState.CURRENT),),
        current_material_id=other,
        multi_region=True,
        multi_region_type="REPLICA",
    )
    findings = evaluate(Evidence(now=datetime.now(UTC)).add([primary, replica]))
    [differ] = [f for f in findings if f.rule_id == "BYOK-D014"]
    assert differ.resource.id == arn("eu-west-1", key_id)
    assert "1 extra, 2 missing" in differ.detail and f"encrypts with {other}" in differ.detail
