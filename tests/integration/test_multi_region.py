"""Multi-Region keys end to end: one material generated in the HSM, imported into the primary and every
replica (each wrapped under its own region's wrapping key), rotated on the primary; and a real process
killed at every new step boundary, then re-run, loses nothing and imports nothing twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from byok.cli.main import main
from byok.estate import EnvironmentState, ManagedKey
from byok.kms.client import KmsClient
from byok.model import ImportState, KeyState, Strategy
from byok.render import read_tfvars, render_tfvars
from byok.rotation.planner import propose
from support.multi_region import PRIMARY, REPLICAS
from support.sampling import sampled

BYOK = str(Path(sys.executable).with_name("byok"))


def byok(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_apply(root: Path, failpoints: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, BYOK_FAILPOINTS=failpoints)
    return subprocess.run(
        [BYOK, "rotate", "apply", "--env", "dev", "--output", "json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def propose_next(tfvars: Path) -> None:
    tfvars.write_text(render_tfvars(propose(read_tfvars(tfvars), date.today(), 30, force_keys=("dr",)).after))


def assert_in_step(key_id: str, clients: dict[str, KmsClient], material_id: str, count: int) -> None:
    """Every region lists the same materials, all imported, and encrypts with ``material_id``."""
    listed = {region: kms.list_materials(key_id) for region, kms in clients.items()}
    for region, materials in listed.items():
        assert [m.material_id for m in materials] == [m.material_id for m in listed[PRIMARY]], region
        assert len(materials) == count and {m.import_state for m in materials} == {ImportState.IMPORTED}, region
        key = clients[region].describe(key_id)
        assert (key.state, key.current_material_id) == (KeyState.ENABLED, material_id), region


def test_first_material_and_a_rotation_reach_every_replica(multi_region, capsys, hsm):
    root, tfvars, key_id, clients = multi_region
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 0, err
    assert json.loads(out)["rows"][0]["canaries_ok"] == 3  # a fresh one, decrypted in both replicas too
    g1 = read_tfvars(tfvars).key("dr").active
    assert_in_step(key_id, clients, g1.material_id, 1)
    sealed = {region: kms.encrypt(key_id, region.encode(), {"dr": "yes"}) for region, kms in clients.items()}

    propose_next(tfvars)
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 0, err
    assert json.loads(out)["rows"][0]["canaries_ok"] == 4
    g2 = read_tfvars(tfvars).key("dr").active
    assert g2.number == 2 and g2.material_id != g1.material_id
    assert_in_step(key_id, clients, g2.material_id, 2)
    for region, kms in clients.items():  # data sealed before the rotation opens in every region, old material
        assert kms.decrypt(key_id, sealed[region], {"dr": "yes"}) == (region.encode(), g1.material_id)
    labels = [m.label for m in hsm.list_materials("byok/dev/dr/")]
    assert labels == [f"byok/dev/dr/g1/{key_id}", f"byok/dev/dr/g2/{key_id}"]  # generated once, not per region
    journal = [json.loads(line) for line in (root / ".byok" / "journal.jsonl").read_text().splitlines()]
    replica_imports = [r["key"] for r in journal if r["event"] == "material-imported" and ":eu-west-1:" in r["key"]]
    assert len(replica_imports) == 2  # one per generation, journaled under the replica's own ARN


def test_a_replica_key_that_is_not_multi_region_fails_alone_with_the_reason(multi_region, capsys, endpoint):
    root, tfvars, key_id, clients = multi_region
    single = clients[PRIMARY].create_external_key("single")
    alias = f"dev-single-{single.key_id[:8]}"  # both tokens' runs may share one endpoint
    clients[PRIMARY].create_alias(f"alias/{alias}", single.key_id)
    state = read_tfvars(tfvars)
    wrong = ManagedKey(
        "single", alias, Strategy.IN_PLACE, 365, "", state.key("dr").generations, region=PRIMARY,
        replica_regions=("eu-west-1",),
    )  # fmt: skip
    tfvars.write_text(render_tfvars(EnvironmentState("dev", (*state.keys, wrong))))
    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--output", "json")
    assert code == 5
    rows = {row["key"]: row["result"] for row in json.loads(out)["rows"]}
    assert rows["dr"] == "ok" and "is declared with replica regions but is not a multi-Region key" in rows["single"]


INITIAL_STEPS = ["get-parameters@eu-west-1", "import@us-east-1", "verify"]
ROTATION_STEPS = [
    "get-parameters@eu-west-1",
    "wrap@eu-west-1",
    "import@eu-west-1",
    "import@us-east-1",
    "rotate",
    "verify",
    "recorded",
]
CASES = [("initial", step) for step in INITIAL_STEPS] + [("rotation", step) for step in ROTATION_STEPS]


# opencryptoki: a replica's wrap and import, the rotation and a first-material verify (support/sampling.py)
ON_BOTH_TOKENS = {"initial-verify", "rotation-wrap@eu-west-1", "rotation-import@us-east-1", "rotation-rotate"}


@pytest.mark.parametrize(("phase", "step"), sampled(CASES, [f"{p}-{s}" for p, s in CASES], ON_BOTH_TOKENS))
def test_killed_at_a_multi_region_step_the_rerun_finishes_without_importing_twice(multi_region, hsm, phase, step):
    root, tfvars, key_id, clients = multi_region
    if phase == "rotation":
        assert run_apply(root).returncode == 0
        propose_next(tfvars)
    crashed = run_apply(root, f"dr:{step}=kill")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    resumed = run_apply(root)
    assert resumed.returncode == 0, resumed.stderr

    key = read_tfvars(tfvars).key("dr")
    generation = 2 if phase == "rotation" else 1
    assert key.active.number == generation
    assert_in_step(key_id, clients, key.active.material_id, generation)
    label = f"byok/dev/dr/g{generation}/{key_id}"
    assert [m.label for m in hsm.list_materials(label)] == [label]  # one HSM object, whatever the crash
    assert "nothing to apply" in run_apply(root).stdout


def test_material_list_and_inventory_show_replicas_and_flag_one_still_pending_import(multi_region, capsys, monkeypatch):
    root, tfvars, key_id, clients = multi_region
    alias = f"alias/{read_tfvars(tfvars).key('dr').alias}"
    monkeypatch.setenv("BYOK_FAILPOINTS", "dr:get-parameters@us-east-1=raise")
    code, _, err = byok(capsys, "rotate", "apply", "--env", "dev")
    assert code == 9, err  # eu-west-1 got the material, us-east-1 did not
    monkeypatch.delenv("BYOK_FAILPOINTS")

    code, out, _ = byok(capsys, "material", "list", "--key", alias, "--output", "json")
    assert code == 0
    listing = json.loads(out)
    assert {row["region"] for row in listing["rows"]} == {PRIMARY, *REPLICAS}
    assert "replica eu-west-1: same materials as the primary, all imported" in listing["notes"]
    flagged = [note for note in listing["notes"] if note.startswith("REPLICA us-east-1")]
    assert any("PendingImport" in note for note in flagged) and any("not imported in this region" in n for n in flagged)

    code, out, _ = byok(capsys, "inventory", "--regions", f"{PRIMARY},us-east-1", "--output", "json")
    assert code == 0
    rows = {(row["region"], row["key_id"]): row for row in json.loads(out)["rows"]}
    primary = rows[(PRIMARY, key_id)]["multi_region"]
    assert primary.startswith("primary: eu-west-1 ok, us-east-1 PendingImport")
    assert rows[("us-east-1", key_id)]["multi_region"] == f"replica of {PRIMARY}"

    assert byok(capsys, "rotate", "apply", "--env", "dev")[0] == 0  # the re-run imports the missing replica
    code, out, _ = byok(capsys, "material", "list", "--key", alias, "--output", "json")
    assert not [note for note in json.loads(out)["notes"] if note.startswith("REPLICA")]


def test_dry_run_after_a_crash_lists_only_what_the_rerun_still_does(multi_region, capsys):
    root, tfvars, key_id, clients = multi_region
    assert run_apply(root).returncode == 0
    propose_next(tfvars)
    second = REPLICAS[1]
    crashed = run_apply(root, f"dr:import@{second}=kill")  # the primary and the first replica hold g2
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    before = {region: kms.list_materials(key_id) for region, kms in clients.items()}

    code, out, err = byok(capsys, "rotate", "apply", "--env", "dev", "--dry-run", "--output", "json")

    assert code == 0, err
    (row,) = json.loads(out)["rows"]
    assert row["steps"] == [f"import@{second}", "rotate", "verify", "record"]
    assert {region: kms.list_materials(key_id) for region, kms in clients.items()} == before
    assert run_apply(root).returncode == 0
