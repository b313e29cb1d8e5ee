"""The GitOps story on the embedded default: SoftHSM2, the local AWS endpoint, offline Terraform.

Every step is the command a user or a pipeline runs (``byok rotate ...``, Terraform plan/apply,
Checkov on the plan); only the HSM and the endpoint are local. PINs and the database password are
random, kept in 0600 files under the work dir, and never printed.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from byok.canary import Canary, make_canary, verify_canary
from byok.cli.main import main as byok_cli
from byok.config import DEFAULT_PKCS11_MODULE, AwsSettings, read_pin
from byok.errors import ByokError, ConfigError
from byok.estate import EnvironmentState
from byok.kms.client import KmsClient
from byok.policy import load_policy
from byok.render import read_tfvars
from byok.terraform.engine import engine_from_env
from byok.terraform.workspace import Workspace

DEMO_TOKEN = "byok-demo"  # noqa: S105 - a PKCS#11 token label, not a secret
DEMO_REGION = "eu-central-1"
ENVIRONMENTS = ("dev", "int", "prod")
ROTATED = "dev"

Say = Callable[[str], None]


@dataclass(frozen=True)
class KeyStory:
    """One dev key before and after its rotation, and the proof that nothing broke."""

    name: str
    strategy: str
    generation_before: int
    generation_after: int
    key_before: str
    key_after: str
    material_before: str
    material_after: str
    old_ciphertext_material: str | None
    new_ciphertext_material: str | None

    @property
    def ok(self) -> bool:
        changed = self.material_after != self.material_before
        return (
            changed
            and self.old_ciphertext_material == self.material_before
            and (self.new_ciphertext_material == self.material_after)
        )


@dataclass(frozen=True)
class DemoReport:
    keys: list[KeyStory]
    plan_summary: str
    checkov_summary: str
    second_apply: str


def write_secret(path: Path) -> str:
    """A fresh random secret in a file only its owner can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def use_local_credentials() -> None:
    """The local endpoint accepts any credentials; never let a real profile leak into the demo."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": DEMO_REGION,
        "AWS_REGION": DEMO_REGION,
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_PROFILE", None)


@dataclass(frozen=True)
class DemoToken:
    """The token the demo runs on, configured as every byok command is: module, label and a PIN file."""

    module: str
    label: str
    pin_file: Path
    description: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "BYOK_PKCS11_MODULE": self.module,
            "BYOK_TOKEN_LABEL": self.label,
            "BYOK_HSM_PIN_FILE": str(self.pin_file),
        }


def external_token(env: dict[str, str] | None = None) -> DemoToken:
    """A token someone else initialised, named by BYOK_PKCS11_MODULE, BYOK_TOKEN_LABEL and BYOK_HSM_PIN_FILE.

    The PIN comes from its file only: the demo drops BYOK_HSM_PIN, so that no PIN sits in the environment of the
    Terraform and Checkov processes it starts. Everything is checked before anything is created.
    """
    env = dict(os.environ) if env is None else env
    missing = [name for name in ("BYOK_PKCS11_MODULE", "BYOK_TOKEN_LABEL", "BYOK_HSM_PIN_FILE") if not env.get(name)]
    if missing:
        raise ConfigError(
            f"--external-token needs {', '.join(missing)}",
            "set BYOK_PKCS11_MODULE, BYOK_TOKEN_LABEL and BYOK_HSM_PIN_FILE as for any byok command",
        )
    module, pin_file = Path(env["BYOK_PKCS11_MODULE"]), Path(env["BYOK_HSM_PIN_FILE"])
    if not module.is_file():
        raise ConfigError(
            f"the PKCS#11 module {module} does not exist", "point BYOK_PKCS11_MODULE at the token's library"
        )
    read_pin({**env, "BYOK_HSM_PIN": ""})  # the file itself: readable, private, not empty
    label = env["BYOK_TOKEN_LABEL"]
    return DemoToken(str(module), label, pin_file.resolve(), f"token '{label}' of {module}")


def prepare_token(work_dir: Path) -> Path:
    """A fresh SoftHSM2 token under work_dir/hsm; returns the PIN file."""
    from byok.hsm.softhsm import SoftHsmToken

    hsm_dir = work_dir / "hsm"
    shutil.rmtree(hsm_dir, ignore_errors=True)
    pin_file = hsm_dir / "user-pin"
    SoftHsmToken.create(
        hsm_dir, label=DEMO_TOKEN, user_pin=write_secret(pin_file), so_pin=write_secret(hsm_dir / "so-pin")
    )
    return pin_file


ESTATE_PARTS = ("terraform", "modules", "byok.toml")


def require_estate(source: Path) -> Path:
    """Refuse, before anything is created, a --repo that is not a byok checkout."""
    missing = [name for name in ESTATE_PARTS if not (source / name).exists()]
    if missing:
        raise ConfigError(
            f"{source} is not a byok checkout: it has no {', '.join(missing)}",
            "pass --repo the top directory of the byok checkout (where byok.toml lives)",
        )
    return source


def copy_estate(source: Path, target: Path) -> Path:
    """A throw-away checkout of the estate: the demo's tfvars changes and state never touch the repo."""
    require_estate(source)
    shutil.rmtree(target, ignore_errors=True)
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", "byok.tfplan*", "local-endpoint.auto.tfvars")
    for name in ("terraform", "modules"):
        shutil.copytree(source / name, target / name, ignore=ignore, symlinks=True)
    shutil.copy(source / "byok.toml", target / "byok.toml")
    return target


def run_cli(say: Say, *args: str) -> None:
    say(f"$ byok {' '.join(args)}")
    code = byok_cli(list(args))
    if code != 0:
        raise ByokError(f"`byok {' '.join(args)}` exited {code}", "see its error line above")


def embedded_token(work_dir: Path) -> DemoToken:
    """The default: a fresh SoftHSM2 token under work_dir/hsm."""
    return DemoToken(DEFAULT_PKCS11_MODULE, DEMO_TOKEN, prepare_token(work_dir), f"SoftHSM2 token '{DEMO_TOKEN}'")


class GitOpsDemo:
    """The story on a token of its own (``token=None``: SoftHSM2 under the work dir) or on an external one."""

    def __init__(self, work_dir: Path, repo: Path, say: Say, token: DemoToken | None = None) -> None:
        self.work_dir = work_dir.resolve()
        self.repo = require_estate(repo.resolve())
        self.say = say
        self.token = token

    def run(self) -> DemoReport:
        """The story, with this process's environment restored afterwards (tests run it in-process)."""
        saved = dict(os.environ)
        try:
            return self._run()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def _run(self) -> DemoReport:
        from byok.sandbox.server import LocalEndpoint

        self.work_dir.mkdir(parents=True, exist_ok=True)
        use_local_credentials()
        token = self.token or embedded_token(self.work_dir)
        estate = copy_estate(self.repo, self.work_dir / "estate")
        os.environ.update(
            token.env,
            BYOK_CONFIG=str(estate / "byok.toml"),
            TF_VAR_database_password=write_secret(self.work_dir / "database-password"),
        )
        os.environ.pop("BYOK_HSM_PIN", None)
        with LocalEndpoint() as endpoint:
            os.environ["BYOK_AWS_ENDPOINT"] = endpoint.url
            self.say(f"local AWS endpoint {endpoint.url}; {token.description}; estate copy {estate}")
            policy = load_policy(estate / "byok.toml")
            workspace = Workspace(policy.terraform_dir, engine_from_env(), endpoint.url, refresh=False)
            kms = KmsClient(AwsSettings(endpoint.url, DEMO_REGION))
            return self._story(workspace, kms, policy.tfvars_path(ROTATED))

    def _story(self, workspace: Workspace, kms: KmsClient, tfvars: Path) -> DemoReport:
        say = self.say
        say(
            "1. terraform apply: external keys, aliases, key policies and the bound S3, RDS, DynamoDB, EBS, SQS "
            "and Secrets Manager resources of dev, int and prod (in parallel)"
        )
        with ThreadPoolExecutor(max_workers=len(ENVIRONMENTS)) as pool:
            for environment, planned in zip(ENVIRONMENTS, pool.map(workspace.apply, ENVIRONMENTS), strict=True):
                say(f"   {environment}: {planned.plan.add} resources created")
        say("2. first material for every key: generated in the HSM, wrapped there, imported")
        for environment in ENVIRONMENTS:
            run_cli(say, "rotate", "apply", "--env", environment, "--override-window")
        before = read_tfvars(tfvars)
        ciphertexts = {key.name: make_canary(kms, f"alias/{key.alias}", "data written before") for key in before.keys}
        say("3. the rotation PR for dev")
        run_cli(say, "rotate", "propose", "--env", ROTATED, *(arg for k in before.keys for arg in ("--key", k.name)))
        say("4. CI on the PR: terraform plan, Checkov with the byok policies on the plan, no data store replaced")
        planned = workspace.plan(ROTATED)
        plan_summary = f"{planned.plan.add} to add, {planned.plan.change} to change, {planned.plan.remove} to destroy"
        say(f"   plan: {plan_summary}")
        checkov_summary = self._policy_check(planned.plan_json_path)
        say(f"   checkov: {checkov_summary}")
        config = str(self.work_dir / "estate" / "byok.toml")
        run_cli(
            say,
            "drift",
            "plan",
            "--plan-json",
            str(planned.plan_json_path),
            "--env",
            ROTATED,
            "--config",
            config,
            "--fail-on",
            "high",
        )
        say("5. merged: terraform apply creates the next generation's keys (alias swap)")
        workspace.apply(ROTATED)
        say("6. on the HSM runner")
        run_cli(say, "rotate", "apply", "--env", ROTATED, "--override-window")
        say("7. the follow-up apply moves alias/<name> of alias-swap keys to the new generation")
        workspace.apply(ROTATED)
        run_cli(say, "rotate", "verify", "--env", ROTATED)
        say("8. the nightly drift check: what still uses an old generation (RDS keeps the key it was created with)")
        run_cli(say, "drift", "live", "--env", ROTATED, "--config", config, "--fail-on", "critical")
        say("9. running the apply again changes nothing")
        second = read_tfvars(tfvars).key(before.keys[0].name)
        run_cli(say, "rotate", "apply", "--env", ROTATED, "--override-window")
        after = read_tfvars(tfvars)
        unchanged = "idempotent" if after.key(second.name) == second else "CHANGED"
        return DemoReport(self._stories(kms, before, after, ciphertexts), plan_summary, checkov_summary, unchanged)

    def _policy_check(self, plan_json: Path) -> str:
        from byok.checkov import BYOK_CHECKS, Framework, run_checkov

        result = run_checkov([plan_json], framework=Framework.TERRAFORM_PLAN, checks=BYOK_CHECKS)
        if result.failed:
            failures = ", ".join(f"{r.check_id} {r.resource}" for r in result.failed)
            raise ByokError(f"the byok policies fail on the plan: {failures}", "the PR would be blocked")
        return f"{len(result.passed)} passed, 0 failed"

    def _stories(
        self, kms: KmsClient, before: EnvironmentState, after: EnvironmentState, ciphertexts: dict[str, Canary]
    ) -> list[KeyStory]:
        stories = []
        for old in before.keys:
            new = after.key(old.name)
            current = kms.describe(f"alias/{new.alias}")
            fresh = make_canary(kms, f"alias/{new.alias}", "data written after")
            stories.append(
                KeyStory(
                    name=old.name,
                    strategy=old.strategy.value,
                    generation_before=old.active.number,
                    generation_after=new.active.number,
                    key_before=ciphertexts[old.name].key_arn.rsplit("/", 1)[-1],
                    key_after=current.key_id,
                    material_before=old.active.material_id,
                    material_after=new.active.material_id,
                    old_ciphertext_material=verify_canary(kms, ciphertexts[old.name]),
                    new_ciphertext_material=verify_canary(kms, fresh),
                )
            )
        return stories
