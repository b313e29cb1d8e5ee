"""``byok drift live --source config`` and ``--aggregator``: the report's sources line, and one-line errors."""

from __future__ import annotations

import json

import pytest
from tests.drift.conftest import REGION, aws
from tests.drift.estate import external_key

from byok.cli.drift_cmd import drift
from byok.cli.main import cli, main
from support.accounts import start_recorder
from support.sandbox import ACCOUNT_ID


@pytest.fixture(autouse=True)
def registered(tmp_path, monkeypatch):
    cli.add_command(drift)
    monkeypatch.setattr("byok.cli.main._register_optional_commands", lambda: None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def recorded(sandbox):
    sandbox.reset()
    start_recorder(aws(sandbox, "config"), ACCOUNT_ID)
    key = external_key(aws(sandbox, "kms"), "dev-app", 1, "alias-swap", "retired")
    aws(sandbox, "sqs").create_queue(QueueName="orders", Attributes={"KmsMasterKeyId": key["Arn"]})
    return sandbox


def live(sandbox, *extra: str) -> list[str]:
    return ["drift", "live", "--endpoint-url", sandbox.url, "--regions", REGION, "-o", "json", *extra]


def test_source_config_reports_where_its_facts_came_from(recorded, capsys):
    assert main(live(recorded, "--source", "config", "--fail-on", "none")) == 0
    document = json.loads(capsys.readouterr().out)
    [sources] = document["sources"]
    assert sources.startswith("config (one account: 1 of 1 account-region(s) from Config")
    queue = next(f for f in document["findings"] if f["resource"]["id"].endswith(":orders"))
    assert queue["rule_id"] == "BYOK-D001" and queue["source"] == "config"


def test_an_unknown_aggregator_is_a_configuration_error(recorded, capsys):
    assert main(live(recorded, "--aggregator", "nowhere")) == 3
    error = capsys.readouterr().err.strip()
    assert "NoSuchConfigurationAggregatorException" in error and "-> check --aggregator" in error
    assert len(error.splitlines()) == 1


def test_other_accounts_without_an_aggregator_are_refused(recorded, capsys):
    assert main(live(recorded, "--source", "config", "--accounts", "999999999999")) == 3
    assert "pass --aggregator NAME" in capsys.readouterr().err
