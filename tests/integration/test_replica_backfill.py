"""A replica that appears after its key was rotated (a DR Region added later) takes every earlier material.

SoftHSM2 and the local endpoint: a multi-Region key rotated twice with one replica, then a second replica
created (PendingImport, the whole history listed without bytes). ``byok material sync-replicas`` imports
each material from the HSM object that holds it, so the new replica decrypts ciphertexts of both eras
(the same bytes: KMS decrypts with the primary's KeyMaterialId); a killed run resumes; an HSM object
destroyed after the fact is refused with one line and exit 4; and ``rotate apply`` does the same backfill
before rotating a key whose new replica lacks the earlier materials.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from tests.drift.conftest import local_session

from byok.cli.main import main
from byok.drift.engine import scan
from byok.drift.intent import Intent
from byok.drift.sources.live import LiveSource
from byok.estate import ManagedKey
from byok.kms.client import KmsClient
from byok.model import ImportState, KeyState
from byok.render import read_tfvars, render_tfvars
from byok.render.parse import parse_tfvars
from byok.rotation.planner import propose
from support.output_schema import documented
from support.sandbox import import_material

pytestmark = pytest.mark.softhsm_only("rotation story; suite time (importer paths run on both tokens)")

BYOK = str(Path(sys.executable).with_name("byok"))
PRIMARY = "eu-central-1"
FIRST_REPLICA = "eu-west-1"
LATE_REPLICA = "us-east-1"
CONTEXT = {"dr": "yes"}


def byok(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_byok(root: Path, *args: str, failpoints: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, BYOK_FAILPOINTS=failpoints)
    return subprocess.run([BYOK, *args], cwd=root, env=env, capture_output=True, text=True, timeout=180)


def set_replica_regions(tfvars: Path, regions: tuple[str, ...]) -> None:
    state = read_tfvars(tfvars)
    key = state.key("dr")
    tfvars.write_text(render_tfvars(state.with_key(ManagedKey(**{**key.__dict__, "replica_regions": regions}))))


def rotate(capsys, tfvars: Path) -> None:
    tfvars.write_text(render_tfvars(propose(read_tfvars(tfvars), date.today(), 30, force_keys=("dr",)).after))
    code, _, err = byok(capsys, "rotate", "apply", "--env", "dev")
    assert code == 0, err


class Story:
    """The key after two rotations and a late replica, with a ciphertext sealed in each material's era."""

    def __init__(self, root: Path, tfvars: Path, key_id: str, clients: dict[str, KmsClient]) -> None:
        self.root, self.tfvars, self.key_id, self.clients = root, tfvars, key_id, clients
        self.sealed: dict[str, tuple[bytes, str]] = {}  # plaintext -> (ciphertext, material it was sealed under)

    @property
    def alias(self) -> str:
        return f"alias/{read_tfvars(self.tfvars).key('dr').alias}"

    def seal(self, text: str) -> None:
        primary = self.clients[PRIMARY]
        self.sealed[text] = (
            primary.encrypt(self.key_id, text.encode(), CONTEXT),
            primary.describe(self.key_id).current_material_id,
        )

    def late(self) -> KmsClient:
        return self.clients[LATE_REPLICA]

    def late_materials(self) -> dict[str, ImportState | None]:
        return {m.material_id: m.import_state for m in self.late().list_materials(self.key_id)}


@pytest.fixture
def story(multi_region_estate, capsys) -> Story:
    made = multi_region_estate(PRIMARY, (FIRST_REPLICA,), "replica backfill story", regions=(LATE_REPLICA,))
    story = Story(made.root, made.tfvars, made.key_id, made.clients)
    tfvars, key_id, raw = made.tfvars, made.key_id, made.raw

    code, _, err = byok(capsys, "rotate", "apply", "--env", "dev")  # g1, the key's first material
    assert code == 0, err
    story.seal("g1 era")
    rotate(capsys, tfvars)  # g2
    story.seal("g2 era")
    raw.replicate_key(KeyId=key_id, ReplicaRegion=LATE_REPLICA)  # the DR Region added after both
    set_replica_regions(tfvars, (FIRST_REPLICA, LATE_REPLICA))
    assert story.late().describe(key_id).state == KeyState.PENDING_IMPORT
    assert set(story.late_materials().values()) == {ImportState.PENDING_IMPORT}
    return story


def replica_findings(story: Story, endpoint) -> list[tuple[str, str]]:
    """What drift (BYOK-D014/D015) says about the key's replicas, from a live scan of the three Regions."""
    source = LiveSource(
        (PRIMARY, FIRST_REPLICA, LATE_REPLICA),
        endpoint_url=endpoint.url,
        session=local_session(),
        collectors=["kms"],
        workers=4,
    )
    result = scan([source], Intent.of([parse_tfvars(story.tfvars.read_text())]))
    return [
        (f.rule_id, f.remediation)
        for f in result.findings
        if f.rule_id in ("BYOK-D014", "BYOK-D015") and story.key_id in f.resource.id
    ]


def assert_whole(story: Story) -> None:
    """The late replica holds every material, encrypts like the primary, and opens both eras' ciphertexts."""
    late = story.late()
    assert late.describe(story.key_id).state == KeyState.ENABLED
    assert (
        late.describe(story.key_id).current_material_id
        == story.clients[PRIMARY].describe(story.key_id).current_material_id
    )
    assert set(story.late_materials().values()) == {ImportState.IMPORTED}
    for text, (ciphertext, material_id) in story.sealed.items():
        assert late.decrypt(story.key_id, ciphertext, CONTEXT) == (text.encode(), material_id)


def test_a_late_replica_takes_both_earlier_materials_and_decrypts_both_eras(story, capsys, endpoint):
    findings = replica_findings(story, endpoint)
    assert [rule for rule, _ in findings] == ["BYOK-D015"]
    assert "byok material sync-replicas --key" in findings[0][1]  # the remedy names the command

    replica_arn = story.late().describe(story.key_id).arn
    code, _, err = byok(capsys, "material", "sync-replicas", "--key", replica_arn, "--region", LATE_REPLICA)
    assert code == 5 and f"its primary is in {PRIMARY} -> give the primary key (--region {PRIMARY})" in err

    before = story.late_materials()
    code, out, err = byok(capsys, "material", "sync-replicas", "--key", story.alias, "--dry-run", "-o", "json")
    assert code == 0, err
    dry = documented(out, "material_sync_replicas")
    assert [(r["region"], r["in_hsm"], r["imported"]) for r in dry["rows"]] == [(LATE_REPLICA, True, False)] * 2
    assert {r["hsm_label"] for r in dry["rows"]} == {f"byok/dev/dr/g{n}/{story.key_id}" for n in (1, 2)}
    assert story.late_materials() == before  # the dry run changed nothing
    assert story.late().describe(story.key_id).state == KeyState.PENDING_IMPORT

    code, out, err = byok(capsys, "material", "sync-replicas", "--key", story.alias, "-o", "json")
    assert code == 0, err
    done = documented(out, "material_sync_replicas")
    assert {r["material_id"] for r in done["rows"]} == set(before) and all(r["imported"] for r in done["rows"])
    assert_whole(story)
    assert replica_findings(story, endpoint) == []  # drift is clean

    journal = [json.loads(line) for line in (story.root / ".byok" / "journal.jsonl").read_text().splitlines()]
    late_imports = [r for r in journal if r["event"] == "material-imported" and f":{LATE_REPLICA}:" in r["key"]]
    assert sorted(r["material_id"] for r in late_imports) == sorted(before)  # journaled under the replica's ARN

    code, out, _ = byok(capsys, "material", "sync-replicas", "--key", story.alias, "-o", "json")
    assert code == 0 and json.loads(out)["rows"] == []  # nothing left: a re-run imports nothing twice


@pytest.mark.parametrize("step", [f"get-parameters@{LATE_REPLICA}", f"wrap@{LATE_REPLICA}", f"import@{LATE_REPLICA}"])
def test_killed_at_a_backfill_step_the_rerun_finishes(story, step):
    crashed = run_byok(
        story.root, "material", "sync-replicas", "--key", story.alias, failpoints=f"{story.key_id}:{step}=kill"
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert story.late().describe(story.key_id).state == KeyState.PENDING_IMPORT  # stopped part-way
    resumed = run_byok(story.root, "material", "sync-replicas", "--key", story.alias, "-o", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert_whole(story)


def test_a_material_the_hsm_no_longer_holds_is_refused_before_any_import(story, capsys, hsm):
    hsm.destroy_material(f"byok/dev/dr/g1/{story.key_id}")  # e.g. destroyed after the first era's retirement
    before = story.late_materials()

    code, out, _ = byok(capsys, "material", "sync-replicas", "--key", story.alias, "--dry-run", "-o", "json")
    assert code == 0
    dry = documented(out, "material_sync_replicas")
    assert sorted(r["in_hsm"] for r in dry["rows"]) == [False, True]
    assert any("MISSING in the HSM" in note for note in dry["notes"])

    code, _, err = byok(capsys, "material", "sync-replicas", "--key", story.alias)
    assert code == 4
    line = err.strip().splitlines()[-1]
    assert f"the HSM holds no object byok/dev/dr/g1/{story.key_id}" in line and LATE_REPLICA in line
    assert "->" in line and "restore the object from the HSM's backup" in line and "alias-swap" in line
    assert story.late_materials() == before  # the g2 material it still holds was not imported either


def test_rotate_apply_backfills_a_late_replica_before_rotating(story, capsys):
    rotate(capsys, story.tfvars)  # g3: the late replica first takes g1 and g2, then g3 like every replica
    story.seal("g3 era")
    assert_whole(story)
    assert len(story.late_materials()) == 3


def test_material_byok_did_not_import_is_refused_with_the_reason(multi_region_estate, capsys):
    made = multi_region_estate(PRIMARY, (), "foreign material", regions=(FIRST_REPLICA,))
    import_material(made.raw, made.key_id, os.urandom(32))  # another tool's import: no byok label
    made.raw.replicate_key(KeyId=made.key_id, ReplicaRegion=FIRST_REPLICA)
    code, _, err = byok(capsys, "material", "sync-replicas", "--key", made.key_id, "--dry-run")
    assert code == 5
    assert "was not imported by byok: its HSM object is unknown" in err and "EXISTING_KEY_MATERIAL" in err


def kms_state(story: Story) -> dict[str, object]:
    """Every Region's key state and materials (ids, import states, expiry): what a KMS write would change."""
    return {
        region: (
            client.describe(story.key_id),
            [(m.material_id, m.state, m.import_state, m.valid_to) for m in client.list_materials(story.key_id)],
        )
        for region, client in story.clients.items()
    }


def test_rotate_apply_dry_run_lists_every_replica_step_and_changes_nothing(story, capsys, hsm):
    story.tfvars.write_text(
        render_tfvars(propose(read_tfvars(story.tfvars), date.today(), 30, force_keys=("dr",)).after)
    )
    earlier = [m.material_id for m in story.clients[PRIMARY].list_materials(story.key_id)]  # g1, g2: oldest first
    before, hsm_before = kms_state(story), [m.label for m in hsm.list_materials()]

    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--dry-run", "-o", "json")

    assert code == 0, err
    (row,) = documented(out, "rotate_apply_plan")["rows"]
    assert row["steps"] == [
        "generate",
        "get-parameters",
        "wrap",
        "import",
        *(f"backfill {material_id}@{LATE_REPLICA}" for material_id in earlier),
        f"import@{FIRST_REPLICA}",
        f"import@{LATE_REPLICA}",
        "rotate",
        "verify",
        "record",
    ]
    assert kms_state(story) == before
    assert [m.label for m in hsm.list_materials()] == hsm_before
    assert hsm.find_material(f"byok/dev/dr/g3/{story.key_id}") is None
    assert not (story.root / ".byok" / "pending-imports").exists()


def test_a_replica_takes_the_primary_materials_expiry(multi_region_estate, capsys):
    made = multi_region_estate(PRIMARY, (), "replica expiry", regions=(LATE_REPLICA,))
    primary = made.clients[PRIMARY]
    valid_to = (datetime.now(UTC) + timedelta(days=90)).replace(microsecond=0)
    code, _, err = byok(
        capsys, "material", "import", "--key", made.key_id, "--valid-to", valid_to.strftime("%Y-%m-%dT%H:%M:%S")
    )
    assert code == 0, err
    (material,) = primary.list_materials(made.key_id)
    assert material.valid_to == valid_to  # the primary's material expires (KEY_MATERIAL_EXPIRES)
    made.raw.replicate_key(KeyId=made.key_id, ReplicaRegion=LATE_REPLICA)

    code, _, err = byok(capsys, "material", "sync-replicas", "--key", made.key_id)

    assert code == 0, err
    (replica,) = made.clients[LATE_REPLICA].list_materials(made.key_id)
    assert (replica.material_id, replica.import_state) == (material.material_id, ImportState.IMPORTED)
    assert (replica.expiration_model, replica.valid_to) == (material.expiration_model, valid_to)
