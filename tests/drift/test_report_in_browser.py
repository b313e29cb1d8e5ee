"""The nightly HTML report (``byok drift report``) opened in real headless Chromium, as a person would open it.

It must render (title, timeline, findings and key tables laid out with a size), log nothing on the console, fetch
nothing but itself (it is mailed and archived), and leave a screenshot in .work/test-artifacts for a person to see.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from tests.drift.conftest import aws, dev_tfvars

from byok.cli.drift_cmd import drift
from byok.cli.main import cli, main
from support.browser import Chromium, artifact_dir
from support.sandbox import REGION, import_material

PNG = b"\x89PNG\r\n\x1a\n"
LAYOUT = {
    "title": "document.title",
    "timeline": "(r => [r.width, r.height])(document.querySelector('svg').getBoundingClientRect())",
    "rows": "document.querySelectorAll('table tr').length",
    "diamonds": "document.querySelectorAll('svg path').length",
    "text": "document.body.innerText",
}


@pytest.fixture(scope="module")
def chromium():
    with Chromium() as browser:
        yield browser


@pytest.fixture
def report_dir(sandbox, tmp_path, monkeypatch):
    cli.add_command(drift)
    monkeypatch.setattr("byok.cli.main._register_optional_commands", lambda: None)
    monkeypatch.chdir(tmp_path)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    sandbox.reset()
    kms = aws(sandbox, "kms")
    tags = [{"TagKey": "byok:key", "TagValue": "dev-cache"}, {"TagKey": "byok:generation", "TagValue": "1"}]
    key = kms.create_key(Origin="EXTERNAL", Tags=tags)["KeyMetadata"]
    import_material(kms, key["KeyId"], os.urandom(32), ValidTo=datetime.now(UTC) + timedelta(days=3))
    kms.create_alias(AliasName="alias/dev-cache", TargetKeyId=key["KeyId"])
    (tmp_path / "terraform" / "dev").mkdir(parents=True)
    (tmp_path / "terraform" / "dev" / "byok.auto.tfvars").write_text(dev_tfvars())
    config = tmp_path / "estate.toml"
    config.write_text('[estate]\norder = ["dev"]\n[environments.dev]\nregions = ["us-east-1"]\n')
    out = tmp_path / "nightly"
    args = ["drift", "report", "--config", str(config), "--endpoint-url", sandbox.url, "--output-dir", str(out)]
    assert main([*args, "--regions", REGION]) == 0
    return out


def test_the_nightly_report_renders_in_chromium_without_console_errors(chromium, report_dir):
    page = report_dir / "drift-report.html"
    visit = chromium.visit(page.as_uri(), LAYOUT)

    assert visit.problems == []
    assert visit.requests == [page.as_uri()]  # self-contained: no stylesheet, font or script fetched
    assert visit.evaluated["title"].startswith("byok nightly drift report")
    width, height = visit.evaluated["timeline"]
    assert width > 500 and height > 40
    assert visit.evaluated["diamonds"] >= 1  # the material expiring in three days
    assert visit.evaluated["rows"] >= 3
    assert "BYOK-D003" in visit.evaluated["text"] and "dev-cache" in visit.evaluated["text"]
    assert visit.screenshot.startswith(PNG) and len(visit.screenshot) > 10_000
    (artifact_dir() / "drift-report.png").write_bytes(visit.screenshot)


def test_the_check_sees_console_errors_and_fetches(chromium, tmp_path):
    """The browser check can fail: a page with a script error and a remote image is caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>broken</title></head><body>"
        '<img src="http://127.0.0.1:9/x.png"><script>console.error("boom"); undefined_call();</script></body></html>'
    )
    visit = chromium.visit(page.as_uri(), {"title": "document.title"})
    assert any("boom" in problem for problem in visit.problems)
    assert any("undefined_call" in problem or "exception" in problem for problem in visit.problems)
    assert "http://127.0.0.1:9/x.png" in visit.requests
