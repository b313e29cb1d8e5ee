"""The workflows and templates pass the linters users' own CI would run on them (real binaries, from .venv-ci)."""

from __future__ import annotations

import subprocess

from tests.ci.conftest import GITHUB, GITLAB, REPO

ACTIONLINT_CONFIG = REPO / "ci" / "github" / "actionlint.yaml"


def run(*argv) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, cwd=REPO, check=False)


def test_there_is_a_template_per_pipeline():
    names = {path.name for path in GITHUB}
    assert {"byok-pr.yml", "byok-apply.yml", "byok-nightly.yml", "byok-propose.yml", "ci.yml"} <= names
    assert GITLAB.exists()


def test_actionlint_finds_nothing(ci_tool):
    done = run(ci_tool("actionlint"), "-config-file", ACTIONLINT_CONFIG, *GITHUB)
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing(ci_tool):
    done = run(ci_tool("zizmor"), "--offline", "--no-progress", *GITHUB)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout + done.stderr


def test_github_workflows_match_their_schema(ci_tool):
    done = run(ci_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *GITHUB)
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlab_template_matches_its_schema(ci_tool):
    done = run(
        ci_tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci", GITLAB
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_linters_catch_a_broken_workflow(ci_tool, tmp_path):
    """Guards the guards: an unpinned action and a job without permissions must not pass."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request_target\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    assert run(ci_tool("zizmor"), "--offline", "--no-progress", broken).returncode != 0
