"""An SO approval never used must not stay on the token: expired, superseded and orphan approvals are destroyed.

An approval is a standing trust (any user-PIN holder may wrap CKA_WRAP_WITH_TRUSTED material under it), so each
trusted object carries its key ARN and import-token expiry in CKA_ID; the next run touching the token destroys
the ones that can no longer serve and journals each. ``byok hsm approvals`` lists them all and ``--prune`` clears
them; objects byok did not make are listed and never destroyed. Runs on the real SoftHSM2 token (opencryptoki
3.8.1 has no CKA_TRUSTED: the ``trusted-wrapping`` capability). Expired approvals are made by the SO session
from import parameters whose expiry is already past: the objects are real token objects, only the date is old.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import PyKCS11
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from byok.hsm import Pkcs11Hsm
from byok.hsm.trusted import fingerprint
from byok.hsm.wrapping import public_key_template
from byok.model import ImportParameters
from support.approvals import import_parameters
from support.output_schema import documented

pytestmark = pytest.mark.needs("trusted-wrapping")

ARN = "arn:aws:kms:eu-central-1:111122223333:key/0b8f1d6e-aaaa-bbbb-cccc-000000000001"


@pytest.fixture
def envs(ceremony_env):
    """The key owner's environment, and the security officer's (the SO PIN file, no user PIN)."""
    env, so_pin_file = ceremony_env
    officer = {**env, "BYOK_HSM_SO_PIN_FILE": str(so_pin_file)}
    officer.pop("BYOK_HSM_PIN_FILE")
    return env, officer


@pytest.fixture
def officer_session(settings, token):
    """Objects made here are removed afterwards whatever the test did: the token is shared by the module."""
    made: list[str] = []
    with Pkcs11Hsm.open_as_security_officer(settings, token.so_pin) as officer:
        yield officer, made
        for label in made:
            officer._connection.run(lambda s, label=label: [s.destroyObject(h) for h in _find(s, label)])


def _find(session: PyKCS11.Session, label: str) -> list[int]:
    return list(session.findObjects([(PyKCS11.CKA_LABEL, label)]))


def _params(valid_to: datetime, key_arn: str = ARN) -> ImportParameters:
    return import_parameters(key_arn, valid_to)


def _approve(officer_session, params: ImportParameters) -> list[str]:
    officer, made = officer_session
    officer.approve_wrapping_key(params)
    short = fingerprint(params.public_key_der)[:24]
    labels = [f"byok-approved/{short}/public", f"byok-approved/{short}/aes"]
    made.extend(labels)
    return labels


def _trusted_public(officer_session, label: str, cka_id: bytes | None = None) -> None:
    """A trusted wrapping key the SO made by other means (or an old byok approval without attribution)."""
    officer, made = officer_session
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    template = dict(public_key_template(numbers, label))
    template.update({PyKCS11.CKA_TOKEN: True, PyKCS11.CKA_TRUSTED: True})
    if cka_id is not None:
        template[PyKCS11.CKA_ID] = cka_id
    officer._connection.run(lambda s: s.createObject(list(template.items())))
    made.append(label)


def _on_token(officer_session, label: str) -> bool:
    officer, _ = officer_session
    return bool(officer._connection.run(lambda s: _find(s, label)))


def _journal(env: dict[str, str]) -> list[dict]:
    path = Path(env["BYOK_CONFIG"]).parent / ".byok" / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _listing(byok, env, *args: str) -> dict:
    return documented(byok("hsm", "approvals", *args, "-o", "json", env=env).stdout, "hsm_approvals")


def _no_pin_anywhere(token, user_pin, env, *outputs: str) -> None:
    journal = json.dumps(_journal(env))
    for text in (*outputs, journal):
        assert user_pin not in text and token.so_pin not in text


def test_an_expired_approval_is_destroyed_by_the_next_import_and_journaled(
    byok, envs, external_key, officer_session, token, user_pin
):
    env, _ = envs
    expired = _params(datetime.now(UTC) - timedelta(minutes=5))
    usable = _params(datetime.now(UTC) + timedelta(hours=20), ARN.replace("0001", "0002"))
    expired_labels, usable_labels = _approve(officer_session, expired), _approve(officer_session, usable)

    listed = {row["label"]: row for row in _listing(byok, env)["rows"]}
    assert listed[expired_labels[0]]["state"] == "expired" and listed[expired_labels[0]]["key_arn"] == ARN
    assert listed[expired_labels[0]]["fingerprint"] == fingerprint(expired.public_key_der)
    assert listed[usable_labels[0]]["state"] == "usable" and listed[usable_labels[1]]["kind"] == "aes"

    _, alias, _ = external_key
    looked = byok("material", "import", "--key", alias, "--dry-run", env=env)
    assert "would destroy 2 trusted wrapping object(s) that can no longer serve" in looked.stderr
    assert all(_on_token(officer_session, label) for label in expired_labels)
    assert not [r for r in _journal(env) if r["event"] == "wrapping-approval-destroyed"]

    stopped = byok("material", "import", "--key", alias, env=env, check=False)
    assert stopped.returncode == 6, stopped.stderr  # the run itself waits for its own approval
    assert "destroyed 2 trusted wrapping object(s) that could no longer serve" in stopped.stderr
    assert not any(_on_token(officer_session, label) for label in expired_labels)
    assert all(_on_token(officer_session, label) for label in usable_labels)
    records = [r for r in _journal(env) if r["event"] == "wrapping-approval-destroyed"]
    assert [r["key"] for r in records] == [ARN, ARN]
    assert all("expired" in r["detail"] and "found by material import" in r["detail"] for r in records)
    assert fingerprint(expired.public_key_der)[:24] in records[0]["detail"]
    _no_pin_anywhere(token, user_pin, env, looked.stdout, looked.stderr, stopped.stdout, stopped.stderr)


def test_a_refetch_for_the_same_key_supersedes_its_approval(byok, envs, external_key, officer_session):
    env, officer = envs
    _, alias, key_id = external_key
    first = byok("material", "import", "--key", alias, env=env, check=False)
    arn, old = re.search(r"--key (\S+) --fingerprint ([0-9a-f]{64})", first.stderr).groups()
    byok("hsm", "approve-wrapping-key", "--key", arn, "--fingerprint", old, env=officer)
    officer_session[1].extend([f"byok-approved/{old[:24]}/public", f"byok-approved/{old[:24]}/aes"])
    assert _on_token(officer_session, f"byok-approved/{old[:24]}/public")

    pending = Path(env["BYOK_CONFIG"]).parent / ".byok" / "pending-imports" / f"{key_id}@eu-central-1.json"
    pending.unlink()  # the kept parameters are lost (a new checkout, a wiped runner): the re-run fetches new ones
    again = byok("material", "import", "--key", alias, env=env, check=False)
    assert again.returncode == 6, again.stderr
    new = re.search(r"--fingerprint ([0-9a-f]{64})", again.stderr).group(1)
    assert new != old
    assert not _on_token(officer_session, f"byok-approved/{old[:24]}/public")
    assert not _on_token(officer_session, f"byok-approved/{old[:24]}/aes")
    records = [r for r in _journal(env) if r["event"] == "wrapping-approval-destroyed"]
    assert len(records) == 2  # the trusted public key and the trusted ephemeral AES key
    for record in records:
        assert record["key"] == arn and "superseded by" in record["detail"] and old[:24] in record["detail"]
        assert new[:24] in record["detail"]  # names the wrapping key that replaced it


def test_unknown_origin_is_listed_never_destroyed_and_dry_run_destroys_nothing(
    byok, envs, officer_session, token, user_pin
):
    env, officer = envs
    _trusted_public(officer_session, "vendor-ca-wrap")
    _trusted_public(officer_session, "byok-approved/0123456789abcdef01234567/public")  # no attribution: orphan
    expired_labels = _approve(officer_session, _params(datetime.now(UTC) - timedelta(hours=1)))
    before = len(_journal(env))

    planned = _listing(byok, env, "--prune", "--dry-run")
    rows = {row["label"]: row for row in planned["rows"]}
    assert rows["vendor-ca-wrap"]["state"] == "unknown-origin" and rows["vendor-ca-wrap"]["key_arn"] is None
    assert rows["vendor-ca-wrap"]["action"] == "never destroyed (not byok's)"
    assert rows["byok-approved/0123456789abcdef01234567/public"]["state"] == "orphan"
    assert {rows[label]["action"] for label in expired_labels} == {"would destroy"}
    assert planned["destroyed"] == 0 and planned["dry_run"] is True
    assert all(_on_token(officer_session, label) for label in rows) and len(_journal(env)) == before

    pruned = byok("hsm", "approvals", "--prune", "-o", "json", env=env)
    assert documented(pruned.stdout, "hsm_approvals")["destroyed"] == 3
    assert _on_token(officer_session, "vendor-ca-wrap")
    assert not _on_token(officer_session, "byok-approved/0123456789abcdef01234567/public")
    assert not any(_on_token(officer_session, label) for label in expired_labels)
    records = _journal(env)[before:]
    assert [r["event"] for r in records] == ["wrapping-approval-destroyed"] * 3
    assert sorted(r["key"] is None for r in records) == [False, False, True]  # the orphan names no key
    assert not any("vendor-ca-wrap" in r["detail"] for r in records)

    after = _listing(byok, officer, "--as-officer")  # the SO sees the same objects in an SO session
    assert [row["label"] for row in after["rows"]] == ["vendor-ca-wrap"]
    table = byok("hsm", "approvals", env=env).stdout
    assert "vendor-ca-wrap" in table and "unknown-origin" in table
    _no_pin_anywhere(token, user_pin, env, planned.__repr__(), pruned.stdout, pruned.stderr, table)


def test_dry_run_without_prune_is_a_usage_error(byok, envs):
    env, _ = envs
    refused = byok("hsm", "approvals", "--dry-run", env=env, check=False)
    assert refused.returncode == 2 and "--dry-run applies to --prune" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_approving_supersedes_the_keys_older_approval_and_clears_expired_ones(
    byok, envs, external_key, officer_session
):
    env, officer = envs
    _, alias, _ = external_key
    stopped = byok("material", "import", "--key", alias, env=env, check=False)
    arn, current = re.search(r"--key (\S+) --fingerprint ([0-9a-f]{64})", stopped.stderr).groups()
    older = _approve(officer_session, _params(datetime.now(UTC) + timedelta(hours=2), arn))
    expired = _approve(officer_session, _params(datetime.now(UTC) - timedelta(hours=2)))
    byok("hsm", "approve-wrapping-key", "--key", arn, "--fingerprint", current, env=officer)
    officer_session[1].extend([f"byok-approved/{current[:24]}/public", f"byok-approved/{current[:24]}/aes"])
    assert not any(_on_token(officer_session, label) for label in older + expired)
    assert _on_token(officer_session, f"byok-approved/{current[:24]}/public")
    details = [r["detail"] for r in _journal(env) if r["event"] == "wrapping-approval-destroyed"]
    assert sum("superseded by the approval" in d for d in details) == 2
    assert sum("found by hsm approve-wrapping-key" in d for d in details) == 2

    done = byok("material", "import", "--key", alias, "-o", "json", env=env)
    assert json.loads(done.stdout)["state"] == "CURRENT"
    assert _listing(byok, env)["rows"] == []
