"""Every format carries every finding, in the shape its consumer (GitHub, CI, Security Hub, people) expects."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import jsonschema
import pytest

from byok.drift.findings import RULES, Severity
from byok.report import FORMATS, NIGHTLY, ReportOptions

OPTIONS = ReportOptions(fail_on=Severity.HIGH, account="111122223333", region="eu-central-1")

# The parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) that consumers rely on, written from the spec.
SARIF_SCHEMA = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": {"$ref": "#/$defs/message"},
                                                "fullDescription": {"$ref": "#/$defs/message"},
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {"level": {"$ref": "#/$defs/level"}},
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "level": {"$ref": "#/$defs/level"},
                                "message": {"$ref": "#/$defs/message"},
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "anyOf": [
                                                    {"required": ["address"]},
                                                    {"required": ["artifactLocation"]},
                                                ],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "properties": {
                                                            "uri": {"type": "string", "format": "uri-reference"}
                                                        },
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "properties": {"startLine": {"type": "integer", "minimum": 1}},
                                                    },
                                                },
                                            },
                                            "logicalLocations": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {"fullyQualifiedName": {"type": "string"}},
                                                },
                                            },
                                        },
                                    },
                                },
                                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
    },
    "$defs": {
        "level": {"enum": ["none", "note", "warning", "error"]},
        "message": {"type": "object", "anyOf": [{"required": ["text"]}, {"required": ["id"]}]},
    },
}
ASFF_REQUIRED = [
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "UpdatedAt",
    "Severity",
    "Title",
    "Description",
    "Resources",
]


def test_the_result_has_findings_of_every_source(result):
    assert {f.source for f in result.findings} == {"code", "plan", "live"}
    assert {"BYOK-D009", "BYOK-D010", "BYOK-D004"} <= {f.rule_id for f in result.findings}


def test_sarif_validates_and_points_code_findings_at_file_and_line(result):
    document = json.loads(FORMATS["sarif"](result, OPTIONS))
    jsonschema.validate(document, SARIF_SCHEMA)
    run = document["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == list(RULES)
    assert len(run["results"]) == len(result.findings)
    located = {
        (loc["physicalLocation"]["artifactLocation"]["uri"], loc["physicalLocation"]["region"]["startLine"])
        for r in run["results"]
        if r["ruleId"] == "BYOK-D009"
        for loc in r["locations"]
    }
    assert ("main.tf", 9) in located and ("terraform.auto.tfvars", 1) in located
    for r in run["results"]:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_junit_parses_with_one_case_per_rule_and_resource_and_failures_at_the_threshold(result):
    root = ET.fromstring(FORMATS["junit"](result, OPTIONS))  # noqa: S314 - our own output
    cases = root.findall(".//testcase")
    failing = [c for c in cases if c.find("failure") is not None]
    assert len(failing) == len(result.at_least(Severity.HIGH)) == int(root.get("failures"))
    assert int(root.get("tests")) == len(cases)
    assert {c.get("classname") for c in cases} == set(RULES)
    names = {(c.get("classname"), c.get("name")) for c in cases}
    assert ("BYOK-D009", "main.tf:9") in names and ("BYOK-D010", "aws_db_instance.orders") in names


def test_asff_has_every_required_field(result):
    findings = json.loads(FORMATS["asff"](result, OPTIONS))["Findings"]
    assert len(findings) == len(result.findings)
    for finding in findings:
        assert all(finding.get(field) for field in ASFF_REQUIRED), finding
        assert finding["SchemaVersion"] == "2018-10-08"
        assert finding["Severity"]["Label"] in {"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"}
        assert finding["ProductArn"].startswith("arn:aws:securityhub:")
        assert finding["Remediation"]["Recommendation"]["Text"]
        assert finding["CreatedAt"].endswith("Z") and len(finding["Title"]) <= 256
        assert all({"Type", "Id"} <= set(resource) for resource in finding["Resources"])
    assert len({f["Id"] for f in findings}) == len(findings)


def test_json_round_trips_every_finding(result):
    document = json.loads(FORMATS["json"](result, OPTIONS))
    assert [f["fingerprint"] for f in document["findings"]] == [f.fingerprint for f in result.findings]
    assert document["failed"] is True and document["summary"]["high"] >= 3


@pytest.mark.parametrize("name", ["markdown", "table"])
def test_text_formats_name_each_finding(result, name):
    text = FORMATS[name](
        result, replace(OPTIONS, min_severity=Severity.INFO)
    )  # info is counted, not listed, unless asked
    for finding in result.findings:
        assert finding.rule_id in text


def test_markdown_and_html_nightly_reports_contain_each_finding(result):
    markdown, page = NIGHTLY["md"](result, OPTIONS), NIGHTLY["html"](result, OPTIONS)
    for finding in result.findings:
        assert finding.rule_id in markdown and finding.rule_id in page
        assert finding.detail.split(" ")[0] in page


def test_html_is_self_contained_with_an_svg_timeline(result):
    page = NIGHTLY["html"](result, OPTIONS)
    assert "<svg" in page and "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "dev-cache" in page and "valid to" in page  # the key's bar and its material diamonds
    assert page.count("<path ") == 2


def test_a_clean_result_says_so(clean):
    assert "No drift" in NIGHTLY["md"](clean, OPTIONS) and "No drift" in NIGHTLY["html"](clean, OPTIONS)
    assert json.loads(FORMATS["sarif"](clean, OPTIONS))["runs"][0]["results"] == []
    assert ET.fromstring(FORMATS["junit"](clean, OPTIONS)).get("failures") == "0"  # noqa: S314


def test_people_see_findings_grouped_worst_first_with_what_is_below_the_threshold_counted(result):
    table = FORMATS["table"](result, OPTIONS)
    assert table.index("HIGH BYOK-D") < table.index("MEDIUM BYOK-D")
    info = [f for f in result.findings if f.severity is Severity.INFO]
    assert info and all(f.detail not in table for f in info)
    assert f"{len(info)} info finding(s) of BYOK-D011" in " ".join(table.split())
    verbose = FORMATS["table"](result, replace(OPTIONS, min_severity=Severity.INFO))
    assert all(" ".join(f.detail.split()) in " ".join(verbose.split()) for f in info)
    only_critical = FORMATS["markdown"](result, replace(OPTIONS, min_severity=Severity.CRITICAL))
    assert "BYOK-D009" not in only_critical.split("> ")[0] and "finding(s) of BYOK-D009" in only_critical


def test_json_carries_every_finding_whatever_people_see(result):
    document = json.loads(FORMATS["json"](result, replace(OPTIONS, min_severity=Severity.CRITICAL)))
    assert len(document["findings"]) == len(result.findings) and document["kind"] == "drift"
