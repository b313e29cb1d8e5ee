"""Kill ``byok rotate apply`` (SIGKILL, a real process) at every step boundary of both strategies, re-run it,
and check that nothing was lost: every canary decrypts, one material per generation, and the final
state equals that of an uninterrupted run. On opencryptoki, every step boundary of one strategy or the other.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from byok.canary import verify_canary
from byok.estate import GenerationState
from byok.render import read_tfvars
from byok.rotation.canaries import CanaryStore
from support.sampling import sampled

BYOK = str(Path(sys.executable).with_name("byok"))
IN_PLACE_STEPS = ["canary", "generate", "get-parameters", "wrap", "import", "rotate", "verify", "record", "recorded"]
ALIAS_SWAP_STEPS = ["canary", "generate", "get-parameters", "wrap", "import", "verify", "record", "recorded"]
CASES = [("s3", step, "kill") for step in IN_PLACE_STEPS] + [("rds", step, "kill") for step in ALIAS_SWAP_STEPS]
CASES += [("s3", "import", "raise"), ("rds", "wrap", "raise")]


def run_apply(root: Path, failpoints: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, BYOK_FAILPOINTS=failpoints)
    return subprocess.run(
        [BYOK, "rotate", "apply", "--env", "dev"], cwd=root, env=env, capture_output=True, text=True, timeout=180
    )


# opencryptoki: every step boundary once, alternating strategies, and a raise (support/sampling.py)
ON_BOTH_TOKENS = {
    "rds-canary-kill", "s3-generate-kill", "rds-get-parameters-kill", "s3-wrap-kill", "s3-import-kill",
    "s3-rotate-kill", "rds-verify-kill", "rds-record-kill", "s3-recorded-kill", "s3-import-raise",
}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "step", "action"), sampled(CASES, [f"{k}-{s}-{a}" for k, s, a in CASES], ON_BOTH_TOKENS)
)
def test_crash_at_step_then_rerun_loses_nothing(estate, kms, hsm, key, step, action):
    root, s3_alias, rds_alias = estate
    subprocess.run([BYOK, "rotate", "propose", "--env", "dev"], cwd=root, check=True, capture_output=True)
    rds_g2 = kms.create_external_key(f"{rds_alias} g2")  # what terraform apply of the merged PR creates
    kms.create_alias(f"alias/{rds_alias}-g2", rds_g2.key_id)

    crashed = run_apply(root, f"{key}:{step}={action}")
    expected = -signal.SIGKILL if action == "kill" else 9
    assert crashed.returncode == expected, crashed.stderr
    resumed = run_apply(root)
    assert resumed.returncode == 0, resumed.stderr

    state = read_tfvars(root / "terraform" / "dev" / "byok.auto.tfvars")
    key_ids = {
        "s3": [kms.describe(f"alias/{s3_alias}").key_id] * 2,
        "rds": [kms.describe(f"alias/{rds_alias}-g1").key_id, rds_g2.key_id],
    }
    for name in ("s3", "rds"):
        managed = state.key(name)
        assert [g.state for g in managed.generations] == [GenerationState.RETIRING, GenerationState.ACTIVE]
        for generation, key_id in zip((1, 2), key_ids[name], strict=True):
            # exactly one HSM object per generation and key
            assert [m.label for m in hsm.list_materials(f"byok/dev/{name}/g{generation}/{key_id}")] == [
                f"byok/dev/{name}/g{generation}/{key_id}"
            ]
        for canary in CanaryStore(root / ".byok").load("dev", name, 2):
            verify_canary(kms, canary)  # raises if anything encrypted before the rotation is lost
    s3 = state.key("s3")
    materials = kms.list_materials(f"alias/{s3_alias}")
    assert len(materials) == 2
    assert kms.describe(f"alias/{s3_alias}").current_material_id == s3.active.material_id
    assert {m.material_id for m in materials} == {g.material_id for g in s3.generations}
    assert [m.material_id for m in kms.list_materials(f"alias/{rds_alias}-g2")] == [state.key("rds").active.material_id]
    assert "nothing to apply" in run_apply(root).stdout
