"""Bad input, walked as a table: the documented exit code, one line `byok: error: cause -> remedy`, no secret.

Every row is something a user really does (each item of issue 13's "what was seen", and more). The real
``byok`` executable runs against a copy of the repository's estate, SoftHSM2 and the local endpoint. Rows
that could leave half a change also check that nothing changed (the tfvars' bytes, the HSM's objects).
A few rows run again with ``BYOK_DEBUG=1``: the same code and the same last line, with a traceback above.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from byok.audit.journal import Journal
from byok.config import DEFAULT_PKCS11_MODULE
from byok.demo import copy_estate

BYOK = str(Path(sys.executable).with_name("byok"))
REPO = Path(__file__).resolve().parents[2]
AWS_SECRET = "sk-bad-input-5e0c3a91d7"  # noqa: S105 - a marker that must never be printed
MATERIAL_ID = "ab" * 32


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    code: int
    says: str
    env: dict[str, str | None] = field(default_factory=dict)
    setup: Callable[[Path, dict], None] | None = None


def _edit(path: str, old: str, new: str) -> Callable[[Path, dict], None]:
    def edit(estate: Path, context: dict) -> None:
        target = estate / path
        text = target.read_text()
        assert old in text, f"{old!r} not in {target}"
        target.write_text(text.replace(old, new, 1))

    return edit


def _write(path: str, content: bytes | str, mode: int | None = None) -> Callable[[Path, dict], None]:
    def write(estate: Path, context: dict) -> None:
        target = estate / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
        if mode is not None:
            target.chmod(mode)

    return write


def _journal(estate: Path, context: dict) -> None:
    Journal.open(estate / ".byok" / "journal.jsonl").append("run-started", detail="a journal to export from")


def _state_dir_is_a_file(estate: Path, context: dict) -> None:
    (estate / "blocker").write_text("a file where the state directory should be\n")
    _edit("byok.toml", 'state_dir = ".byok"', 'state_dir = "blocker"')(estate, context)


def _environment_without_root(estate: Path, context: dict) -> None:
    _edit("byok.toml", '"prod"]', '"prod", "qa"]')(estate, context)
    with (estate / "byok.toml").open("a") as config:
        config.write("\n[environments.qa]\n")


def _recorded_material(estate: Path, context: dict) -> None:
    _edit("terraform/dev/byok.auto.tfvars", 'material_id = ""', f'material_id = "{MATERIAL_ID}"')(estate, context)


def _busy_port(estate: Path, context: dict) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    context["listener"] = listener
    context["args"] = ("sandbox", "serve", "--port", str(listener.getsockname()[1]))


def _kms_key(origin: str, pending_deletion: bool = False) -> Callable[[Path, dict], None]:
    def create(estate: Path, context: dict) -> None:
        kms = boto3.client(
            "kms",
            endpoint_url=context["endpoint"],
            region_name="eu-central-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - the sandbox accepts any
        )
        key_id = kms.create_key(Origin=origin)["KeyMetadata"]["KeyId"]
        if pending_deletion:
            kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        context["args"] = ("material", "renew", "--key", key_id)

    return create


CASES = [
    # AWS access: credentials, profile, region, endpoint
    Case("drift live, endpoint down", ("drift", "live", "--endpoint-url", "http://127.0.0.1:9"), 5, "cannot reach"),
    Case(
        "drift live, no credentials",
        ("drift", "live"),
        3,
        "no usable AWS credentials",
        env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None},
    ),
    Case(
        "drift live, plain http to another host",
        ("drift", "live", "--endpoint-url", "http://192.0.2.10:4566"),
        5,
        "only over TLS",
    ),
    Case("drift live, --regions 'x y'", ("drift", "live", "--regions", "x y"), 3, "'x y' is not an AWS region name"),
    Case(
        "KMS command, unknown AWS_PROFILE",
        ("material", "list", "--key", "alias/x"),
        3,
        "AWS profile 'nosuch'",
        env={"AWS_PROFILE": "nosuch"},
    ),
    Case(
        "KMS command, unknown region",
        ("material", "list", "--key", "alias/x"),
        3,
        "not an AWS region name",
        env={"AWS_REGION": "eu central"},
    ),
    # Terraform roots
    Case("terraform plan, unknown environment", ("terraform", "plan", "--env", "nosuch"), 3, "byok init --env nosuch"),
    Case(
        "terraform plan, environment without a root",
        ("terraform", "plan", "--env", "qa"),
        3,
        "holds no Terraform root configuration for 'qa' -> scaffold it with `byok init --env qa`",
        setup=_environment_without_root,
    ),
    Case(
        "terraform plan, plan file path is a directory",
        ("terraform", "plan", "--env", "dev"),
        3,
        "byok.tfplan is a directory",
        setup=_write("terraform/dev/byok.tfplan/keep", ""),
    ),
    # byok.toml
    Case(
        "binary byok.toml", ("rotate", "status"), 3, "is not UTF-8 text", setup=_write("byok.toml", bytes(range(256)))
    ),
    Case(
        "typo in byok.toml",
        ("rotate", "status"),
        3,
        "unknown field 'estate.expiry_horizion_days' -> did you mean 'estate.expiry_horizon_days'?",
        setup=_edit("byok.toml", "expiry_horizon_days", "expiry_horizion_days"),
    ),
    Case(
        "window hour out of range",
        ("rotate", "status"),
        3,
        "byok.toml: environments.int.window.start is '25:00', not a time of day -> write HH:MM",
        setup=_edit("byok.toml", 'start = "06:00"', 'start = "25:00"'),
    ),
    Case(
        "window day out of range",
        ("rotate", "status"),
        3,
        "byok.toml: environments.prod.window.days ['tue', 'wed', 'thursday'] must be drawn from",
        setup=_edit("byok.toml", '"thu"], start = "09:00"', '"thursday"], start = "09:00"'),
    ),
    Case("missing byok.toml", ("rotate", "status", "--config", "none.toml"), 3, "`byok init --env NAME` creates one"),
    # tfvars
    Case(
        "tfvars of another environment",
        ("rotate", "status", "--env", "dev"),
        3,
        "environment is 'prod', but the file belongs to 'dev'",
        setup=_edit("terraform/dev/byok.auto.tfvars", 'environment = "dev"', 'environment = "prod"'),
    ),
    Case(
        "unknown field in tfvars",
        ("rotate", "status", "--env", "dev"),
        3,
        "unknown field 'keys.s3.max_age' -> did you mean 'keys.s3.max_age_days'?",
        setup=_edit("terraform/dev/byok.auto.tfvars", '"s3" = {\n    alias', '"s3" = {\n    max_age = 1\n    alias'),
    ),
    Case(
        "propose for an environment without tfvars",
        ("rotate", "propose", "--env", "int"),
        3,
        "scaffold it with `byok init --env int`",
        setup=lambda estate, context: (estate / "terraform/int/byok.auto.tfvars").unlink(),
    ),
    # unwritable destinations, found before the first side effect
    Case(
        "drift --output-file under a file",
        ("drift", "code", "--path", "terraform", "--output-file", "byok.toml/x.json"),
        3,
        "byok.toml is not a directory",
    ),
    Case(
        "drift report into a file",
        ("drift", "report", "--output-dir", "byok.toml/reports"),
        3,
        "byok.toml is not a directory",
    ),
    Case(
        "audit export under a file",
        ("audit", "export", "--since", "2020-01-01", "--until", "2030-01-01", "--out", "byok.toml/pack"),
        3,
        "byok.toml is not a directory",
        setup=_journal,
    ),
    Case(
        "rotate propose, state dir is a file",
        ("rotate", "propose", "--env", "dev", "--key", "s3"),
        3,
        "cannot write the PR description",
        setup=_state_dir_is_a_file,
    ),
    Case(
        "rotate apply, state dir is a file",
        ("rotate", "apply", "--env", "dev"),
        3,
        "blocker is not a directory",
        setup=_state_dir_is_a_file,
    ),
    Case(
        "demo --repo without terraform/",
        ("demo", "--repo", "scratch"),
        3,
        "is not a byok checkout",
        setup=_write("scratch/README", ""),
    ),
    Case(
        "demo --external-token, no token named",
        ("demo", "--external-token", "--work-dir", "demo-work"),
        3,
        "--external-token needs BYOK_TOKEN_LABEL",
        env={"BYOK_TOKEN_LABEL": None},
    ),
    Case(
        "demo --external-token, PIN file readable by others",
        ("demo", "--external-token", "--work-dir", "demo-work"),
        3,
        "open to group or others",
        setup=_write("pin", "1234", 0o644),
        env={"BYOK_HSM_PIN_FILE": "pin"},
    ),
    # audit
    Case("audit verify, no journal yet", ("audit", "verify"), 3, "there is no journal at .byok/journal.jsonl"),
    Case(
        "audit verify, journal gone but head expected", ("audit", "verify", "--expect-head", "a" * 64), 7, "is missing"
    ),
    # HSM setup
    Case(
        "PIN file readable by others",
        ("hsm", "probe"),
        3,
        "open to group or others",
        setup=_write("pin", "", 0o644),
        env={"BYOK_HSM_PIN_FILE": "pin"},
    ),
    Case(
        "wrong SOFTHSM2_CONF",
        ("hsm", "probe"),
        4,
        "check the SoftHSM2 configuration: SOFTHSM2_CONF=/nonexistent.conf",
        env={"SOFTHSM2_CONF": "/nonexistent.conf", "BYOK_PKCS11_MODULE": DEFAULT_PKCS11_MODULE},  # on either token
    ),
    # retire, renew, import
    Case(
        "retire a generation that never existed",
        ("retire", "--env", "dev", "--key", "rds", "--generation", "9"),
        6,
        "has no generation 9",
    ),
    Case(
        "retire generation -1",
        ("retire", "--env", "dev", "--key", "rds", "--generation", "-1"),
        2,
        "-1 is not in the range x>=1",
    ),
    Case("renew an AWS_KMS key", (), 5, "has origin AWS_KMS: KMS owns its material", setup=_kms_key("AWS_KMS")),
    Case(
        "renew a key pending deletion",
        (),
        5,
        "is PendingDeletion: KMS accepts no material",
        setup=_kms_key("EXTERNAL", True),
    ),
    Case(
        "import --valid-to in the past",
        ("material", "import", "--key", "alias/x", "--valid-to", "2020-01-01"),
        2,
        "is in the past",
    ),
    Case(
        "import --valid-to beyond 365 days",
        ("material", "import", "--key", "alias/x", "--valid-to", "2099-01-01"),
        2,
        "more than 365 days ahead",
    ),
    Case(
        "propose an unknown key",
        ("rotate", "propose", "--env", "dev", "--key", "s4"),
        3,
        "has no key named 's4' -> keys here: dynamodb, messaging, rds, s3",
    ),
    # rotate verify
    Case(
        "verify with the endpoint down",
        ("rotate", "verify", "--env", "dev", "--endpoint-url", "http://127.0.0.1:9"),
        5,
        "cannot reach",
        setup=_recorded_material,
    ),
    Case(
        "verify --dry-run without --rollback",
        ("rotate", "verify", "--env", "dev", "--dry-run"),
        2,
        "apply to --rollback only",
    ),
    # sandbox
    Case("sandbox serve --port 70000", ("sandbox", "serve", "--port", "70000"), 2, "70000 is not in the range"),
    Case("sandbox serve --port -1", ("sandbox", "serve", "--port", "-1"), 2, "-1 is not in the range"),
    Case("sandbox serve on a busy port", (), 3, "Address already in use", setup=_busy_port),
    Case(
        "sandbox serve on a foreign address",
        ("sandbox", "serve", "--host", "192.0.2.10"),
        3,
        "cannot listen on 192.0.2.10",
    ),
    Case(
        "sandbox env before up",
        ("sandbox", "env", "--state-dir", "nowhere"),
        2,
        "start the sandbox with `byok sandbox up`",
    ),
    Case("sandbox clock, bad duration", ("sandbox", "clock", "--advance", "3 weeks"), 2, "is not a duration"),
    # init and usage
    Case(
        "init an existing environment", ("init", "--env", "dev", "--key", "s3"), 3, "already declares environment 'dev'"
    ),
    Case(
        "init with an unknown strategy",
        ("init", "--env", "qa", "--key", "s3:sideways"),
        2,
        "unknown strategy 'sideways'",
    ),
    Case("unknown option", ("rotate", "status", "--colour"), 2, "No such option '--colour'"),
    Case("missing option", ("rotate", "apply"), 2, "Missing option '--env'"),
]
DEBUG_TWINS = {
    "drift live, endpoint down",
    "terraform plan, unknown environment",
    "binary byok.toml",
    "audit export under a file",
    "KMS command, unknown AWS_PROFILE",
}


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    return copy_estate(REPO, tmp_path / "estate")


@pytest.fixture
def prepare(estate: Path, estate_env: dict[str, str], endpoint):
    """Apply a row's setup; returns the argv and environment to run it with, and what to close afterwards."""

    def setup(case: Case, debug: bool = False) -> dict:
        context: dict = {"endpoint": endpoint.url, "args": case.args}
        env = {**estate_env, "AWS_SECRET_ACCESS_KEY": AWS_SECRET, "AWS_EC2_METADATA_DISABLED": "true"}
        env["AWS_SHARED_CREDENTIALS_FILE"] = env["AWS_CONFIG_FILE"] = str(estate / "no-aws-config")
        for name in ("AWS_PROFILE", "BYOK_DEBUG", "BYOK_FAILPOINTS"):
            env.pop(name, None)
        if case.setup is not None:
            case.setup(estate, context)
        for name, value in {**case.env, **({"BYOK_DEBUG": "1"} if debug else {})}.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        context["env"] = env
        return context

    return setup


def execute(estate: Path, context: dict) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [BYOK, *context["args"]],
            cwd=estate,
            env=context["env"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        if "listener" in context:
            context["listener"].close()


@pytest.fixture
def hsm_labels(settings, user_pin):
    from byok.hsm import Pkcs11Hsm

    def labels() -> list[str]:
        with Pkcs11Hsm.open(settings, user_pin) as hsm:
            return sorted(m.label for m in hsm.list_materials(""))

    return labels


def tfvars(estate: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in (estate / "terraform").glob("*/byok.auto.tfvars")}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_one_line_with_its_exit_code_and_no_secret(case, prepare, estate, user_pin, hsm_labels):
    context = prepare(case)
    tfvars_before, labels_before = tfvars(estate), hsm_labels()
    result = execute(estate, context)
    output = result.stdout + result.stderr
    assert result.returncode == case.code, output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("byok: error: ") and " -> " in lines[0], lines[0]
    assert case.says in lines[0], lines[0]
    assert "Traceback" not in output and "internal error" not in output
    assert user_pin not in output and AWS_SECRET not in output
    assert tfvars(estate) == tfvars_before, "a refused command changed a tfvars file"
    assert hsm_labels() == labels_before, "a refused command created or destroyed HSM material"


@pytest.mark.parametrize("case", [c for c in CASES if c.name in DEBUG_TWINS], ids=lambda case: case.name)
def test_byok_debug_adds_the_traceback_and_changes_nothing_else(case, prepare, estate):
    plain = execute(estate, prepare(case))
    copy_estate(REPO, estate)  # the same starting point for the second run
    debug = execute(estate, prepare(case, debug=True))
    assert debug.returncode == plain.returncode == case.code
    assert debug.stderr.strip().splitlines()[-1] == plain.stderr.strip()
    assert "Traceback (most recent call last)" in debug.stderr
