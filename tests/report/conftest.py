"""A drift result with findings from code (file and line), plan and live facts, and a key with materials."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.drift.conftest import days_ago, dev_intent

from byok.drift.engine import DriftResult, scan
from byok.drift.facts import Fact, KeyFact, UsageFact
from byok.drift.findings import Resource
from byok.drift.reference import KeyReference
from byok.drift.sources.code import CodeSource
from byok.drift.sources.plan import PlanSource
from byok.model import ExpirationModel, ImportState, KeyMaterial, KeyMaterialState

DRIFT_FIXTURES = Path(__file__).parents[1] / "drift" / "fixtures"
NOW = datetime.now(UTC).replace(microsecond=0)
KEY_ARN = "arn:aws:kms:eu-central-1:111122223333:key/44444444-4444-4444-8444-444444444444"


class Facts:
    name = "live"

    def __init__(self, *facts: Fact) -> None:
        self._facts = facts

    def facts(self) -> Iterator[Fact]:
        yield from self._facts


def live_facts() -> Facts:
    materials = (
        KeyMaterial(
            "a" * 64,
            KeyMaterialState.NON_CURRENT,
            ImportState.IMPORTED,
            ExpirationModel.KEY_MATERIAL_EXPIRES,
            NOW + timedelta(days=2),
        ),
        KeyMaterial(
            "b" * 64,
            KeyMaterialState.CURRENT,
            ImportState.IMPORTED,
            ExpirationModel.KEY_MATERIAL_EXPIRES,
            NOW + timedelta(days=200),
        ),
    )
    tags = {"byok:key": "dev-cache", "byok:generation": "1", "byok:strategy": "in-place", "byok:rotated": days_ago(5)}
    key = KeyFact(KeyReference.parse(KEY_ARN), "Enabled", "EXTERNAL", tags=tags, materials=materials)
    table = Resource(
        "AWS::DynamoDB::Table", "arn:aws:dynamodb:eu-central-1:111122223333:table/t", "111122223333", "eu-central-1"
    )
    return Facts(key, UsageFact(table, KeyReference.parse(KEY_ARN), "SSEDescription.KMSMasterKeyArn", "live"))


@pytest.fixture(scope="session")
def result() -> DriftResult:
    sources = [
        CodeSource(DRIFT_FIXTURES / "code", base=DRIFT_FIXTURES / "code"),
        PlanSource.from_file(DRIFT_FIXTURES / "plan_replaces_stores.json"),
        live_facts(),
    ]
    return scan(sources, dev_intent(), now=NOW)


@pytest.fixture(scope="session")
def clean() -> DriftResult:
    return scan([], dev_intent().__class__(), now=NOW)
