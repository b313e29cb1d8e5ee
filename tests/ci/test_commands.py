"""Every command the templates run exists, and `make ci-*` runs exactly the pipeline's byok steps.

The check reads the templates as YAML and each byok command's ``--help`` (the real CLI), so a renamed option
or subcommand fails here before a user's pipeline fails on it.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml
from tests.ci.conftest import BYOK, GITHUB, GITLAB, REPO, make

SHELL_WORDS = {"mkdir", "echo", "test", "find", "sort", "xargs", "cat", "cp", "rm", "for", "do", "done", "exit"}
SHELL_WORDS |= {"continue", "printf", "export", "git", "curl"}
HOST_TOOLS = {"gh", "python", "python3.11", "terraform", ".byok-venv/bin/pip", ".byok-checkov/bin/pip"}
TERRAFORM_SUBCOMMANDS = {"providers mirror"}
JOBS = {"ci-pr": ("byok-pr.yml", "check", "byok-pr"), "ci-apply": ("byok-apply.yml", "apply", ".byok-apply")}
JOBS["ci-nightly"] = ("byok-nightly.yml", "drift", "byok-nightly")


class _GitLabLoader(yaml.SafeLoader):
    """GitLab's ``!reference`` tag: the lines it names are checked where they are defined."""


_GitLabLoader.add_constructor("!reference", lambda loader, node: None)


def github_lines(path: Path, job: str | None = None) -> list[str]:
    jobs = yaml.safe_load(path.read_text())["jobs"]
    steps = [step for name, body in jobs.items() if job in (None, name) for step in body.get("steps", [])]
    return [line.strip() for step in steps for line in step.get("run", "").splitlines() if line.strip()]


def gitlab_lines(job: str | None = None) -> list[str]:
    document = yaml.load(GITLAB.read_text(), Loader=_GitLabLoader)  # noqa: S506 - SafeLoader subclass
    lines = []
    for name, body in document.items():
        if not isinstance(body, dict) or job not in (None, name):
            continue
        for key in ("before_script", "script", "after_script"):
            lines += [item for item in _flatten(body.get(key, [])) if isinstance(item, str)]
    return [line.strip() for line in lines]


def _flatten(items):
    for item in items:
        yield from _flatten(item) if isinstance(item, list) else [item]


def commands(line: str) -> list[list[str]]:
    """The simple commands of one shell line (split at ``&&``, ``||``, ``;`` and ``|``)."""
    found = []
    for part in re.split(r"&&|\|\||;|\|", line):
        words = shlex.split(part.replace(">>", " ").replace(">", " "), posix=True) if part.strip() else []
        if words:
            found.append(words)
    return found


@cache
def byok_help(*path: str) -> str:
    done = subprocess.run([str(BYOK), *path, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"`byok {' '.join(path)}` does not exist: {done.stderr.strip()}"
    return done.stdout


def check_byok(words: list[str]) -> None:
    path = [w for w in words[1:3] if not w.startswith("-")]
    help_text = byok_help(*path)
    for option in (w.split("=")[0] for w in words if w.startswith("-")):
        assert re.search(rf"(^|[\s,]){re.escape(option)}\b", help_text), f"byok {' '.join(path)} has no {option}"


def check_command(words: list[str]) -> None:
    if words[0] == "sudo":
        words = words[1:]
    program = words[0]
    if program == "byok":
        check_byok(words)
    elif program in ("python", "python3.11") and words[1:2] == ["-m"] and words[2].startswith("byok."):
        assert importlib.util.find_spec(words[2]) is not None, f"no module {words[2]}"
    elif program == "terraform":
        subcommand = " ".join([w for w in words[1:] if not w.startswith("-")][:2])
        assert subcommand in TERRAFORM_SUBCOMMANDS, f"terraform {subcommand} is not a step byok expects"
    elif program == "make":
        targets = re.findall(r"^([\w-]+):", (REPO / "Makefile").read_text(), re.MULTILINE)
        assert {w for w in words[1:] if "=" not in w} <= set(targets), words
    else:
        assert program in SHELL_WORDS | HOST_TOOLS, f"unexpected program {program!r}"


ALL_LINES = sorted({*(line for path in GITHUB for line in github_lines(path)), *gitlab_lines()})


@pytest.mark.parametrize("line", ALL_LINES)
def test_every_command_of_the_templates_exists(line):
    for words in commands(line):
        check_command(words)


def make_steps(target: str) -> list[str]:
    """The pipeline's lines of a make target: the sandbox's environment prefix stripped off."""
    done = make("-n", target, "WORKSPACE=/nonexistent/ws")
    assert done.returncode == 0, done.stderr
    prefix = "cd /nonexistent/ws && "
    return [line.split(prefix, 1)[1] for line in done.stdout.splitlines() if prefix in line]


@pytest.mark.parametrize("target", sorted(JOBS))
def test_make_targets_run_the_same_steps_as_the_templates(target):
    workflow, github_job, gitlab_job = JOBS[target]
    steps = make_steps(target)
    assert any(step.startswith("byok ") for step in steps)
    github = github_lines(REPO / "ci" / "github" / workflow, github_job)
    gitlab = gitlab_lines(gitlab_job)
    for step in steps:
        assert step in github, f"{target}: {step!r} is not in {workflow}"
        assert step in gitlab, f"{target}: {step!r} is not in the GitLab job {gitlab_job}"


def test_pre_commit_hooks_name_existing_entries():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"byok-checkov", "byok-drift-code"}
    assert (REPO / hooks["byok-checkov"]["entry"]).stat().st_mode & 0o111
    check_command(shlex.split(hooks["byok-drift-code"]["entry"]))
