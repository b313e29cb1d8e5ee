"""Rules on hand-built evidence: fallbacks to tags without tfvars, gaps, ordering, the rule catalogue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from botocore.exceptions import ClientError
from tests.drift.conftest import dev_intent

from byok.drift.collectors import Collector, Scope
from byok.drift.evidence import Evidence
from byok.drift.facts import AliasFact, GapFact, KeyFact, UsageFact
from byok.drift.findings import RULES, Resource, Severity
from byok.drift.intent import Intent
from byok.drift.reference import KeyReference
from byok.drift.retired import retired_references
from byok.drift.rules import CHECKS, evaluate
from byok.drift.sources.live import Listing, _guarded
from byok.model import ExpirationModel, ImportState, KeyMaterial, KeyMaterialState

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
ARN = "arn:aws:kms:eu-central-1:111122223333:key/{}"
K1, K2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def key(key_id: str, generation: int, state: str, **fields) -> KeyFact:
    tags = {
        "byok:key": "prod-app",
        "byok:generation": str(generation),
        "byok:strategy": "alias-swap",
        "byok:state": state,
        "byok:rotated": "2025-01-01",
        "byok:next-due": "2026-01-01",
    }
    return KeyFact(KeyReference.parse(ARN.format(key_id)), state="Enabled", origin="EXTERNAL", tags=tags, **fields)


def usage(key_id: str) -> UsageFact:
    resource = Resource(
        "AWS::RDS::DBInstance", "arn:aws:rds:eu-central-1:111122223333:db:x", "111122223333", "eu-central-1"
    )
    return UsageFact(resource, KeyReference.parse(ARN.format(key_id)), "KmsKeyId", "live")


def rules(evidence: Evidence) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.severity) for f in evaluate(evidence) if f.rule_id != "BYOK-D011"]


def test_without_tfvars_the_tags_say_which_generation_is_active():
    evidence = Evidence(now=NOW).add(
        [
            key(K1, 1, "retiring"),
            key(K2, 2, "active", creation_date=NOW),
            AliasFact("111122223333", "eu-central-1", "alias/prod-app", K1),
            usage(K1),
        ]
    )
    found = rules(evidence)
    assert ("BYOK-D002", Severity.MEDIUM) in found  # the RDS instance is on retiring generation 1
    assert ("BYOK-D006", Severity.HIGH) in found  # the alias is on 1, the active tag is on 2
    assert ("BYOK-D003", Severity.HIGH) in found  # byok:next-due 2026-01-01 has passed


def test_material_expiry_severity_grows_as_the_date_nears_and_pending_rotation_is_ignored():
    def material(days: float, state=KeyMaterialState.NON_CURRENT) -> KeyMaterial:
        return KeyMaterial(
            f"{int(days * 10):064d}",
            state,
            ImportState.IMPORTED,
            ExpirationModel.KEY_MATERIAL_EXPIRES,
            NOW + timedelta(days=days),
        )

    materials = (
        material(20),
        material(3, KeyMaterialState.CURRENT),
        material(2, KeyMaterialState.PENDING_ROTATION),
        material(90),
    )
    evidence = Evidence(now=NOW, intent=Intent()).add([key(K2, 2, "active", materials=materials)])
    found = [(f.rule_id, f.severity) for f in evaluate(evidence) if f.rule_id == "BYOK-D004"]
    assert sorted(found) == [("BYOK-D004", Severity.HIGH), ("BYOK-D004", Severity.MEDIUM)]


def test_a_failed_collector_call_becomes_a_gap_finding():
    class Denied(Collector):
        name, service, resource_type = "denied", "s3", "AWS::S3::Bucket"

        def list(self, client, scope):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListBuckets")

    [gap] = _guarded(Listing(Denied(), None, Scope("111122223333", "eu-central-1")), lambda: Denied().list(None, None))
    assert isinstance(gap, GapFact)
    [finding] = evaluate(Evidence(now=NOW).add([gap]))
    assert (finding.rule_id, finding.resource.id) == ("BYOK-D013", "111122223333/eu-central-1/denied")


def test_findings_come_worst_first_and_once():
    evidence = Evidence(now=NOW).add([key(K1, 1, "retiring"), key(K2, 2, "active"), usage(K1), usage(K1)])
    ranks = [f.severity.rank for f in evaluate(evidence)]
    assert ranks == sorted(ranks, reverse=True)
    assert len({f.fingerprint for f in evaluate(evidence)}) == len(evaluate(evidence))


def test_retired_list_spells_every_name_of_a_retired_key():
    intent = dev_intent()
    g1 = KeyFact(
        KeyReference.parse(ARN.format(K1)), state="PendingImport", tags={"byok:key": "dev-app", "byok:generation": "1"}
    )
    evidence = Evidence(intent=intent).add([g1, AliasFact("111122223333", "eu-central-1", "alias/dev-app-g1", K1)])
    assert retired_references(evidence) == sorted(
        [
            ARN.format(K1),
            K1,
            "alias/dev-app-g1",
            "arn:aws:kms:eu-central-1:111122223333:alias/dev-app-g1",
        ]
    )


def test_every_check_is_catalogued_and_every_rule_is_produced_by_a_check():
    produced_by_companions = {"BYOK-D002", "BYOK-D005", "BYOK-D008", "BYOK-D015"}
    assert set(CHECKS) | produced_by_companions == set(RULES)
    assert all(rule.title and rule.rationale for rule in RULES.values())
    assert date(2026, 1, 1) < NOW.date()
