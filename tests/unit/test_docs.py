"""The README says what the code does: its command table against ``--help``, its settings table against the
variables the code reads, its ``byok.toml`` reference against the loader; and the docs point nowhere that is not
in the project."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click
import pytest

from byok.cli import main as cli_main
from byok.policy import load_policy

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = {
    path.relative_to(REPO): path.read_text(encoding="utf-8") for path in [REPO / "README.md", *REPO.glob("docs/*.md")]
}
OPTION = re.compile(r"--[a-z][a-z0-9-]*")


def section(text: str, heading: str) -> str:
    start = text.index(f"{heading}\n")
    level = heading.split(" ")[0]
    rest = text[start + len(heading) + 1 :]
    ends = [m.start() for m in re.finditer(rf"^#{{1,{len(level)}}} ", rest, re.M)]
    return rest[: ends[0]] if ends else rest


def table_rows(text: str) -> list[list[str]]:
    """The first Markdown table of ``text``, without its header, as cells (escaped pipes kept in their cell)."""
    lines = []
    for line in text[text.index("\n|") + 1 :].splitlines():
        if not line.startswith("|"):
            break
        lines.append(line)
    return [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines[2:]]


def leaf_commands() -> dict[str, click.Command]:
    cli_main._register_optional_commands()

    def walk(command: click.Command, path: tuple[str, ...]):
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, (*path, name))
        else:
            yield " ".join(path), command

    return dict(walk(cli_main.cli, ()))


def documented_commands() -> dict[str, str]:
    rows = {}
    for first, what in table_rows(section(README, "## Commands")):
        words = first.strip("`").split()
        assert words[0] == "byok", first
        path = []
        for word in words[1:]:
            if word.startswith("-") or word.isupper():
                break
            path.append(word)
        rows[" ".join(path)] = f"{first} {what}"
    return rows


def test_the_command_table_lists_every_command_and_nothing_else():
    assert sorted(documented_commands()) == sorted(leaf_commands())


def test_every_option_the_command_table_names_exists():
    commands = leaf_commands()
    for path, row in documented_commands().items():
        options = {opt for param in commands[path].params for opt in getattr(param, "opts", [])}
        unknown = set(OPTION.findall(row)) - options
        assert not unknown, f"`byok {path}` has no {sorted(unknown)} (README row: {row})"


def test_every_command_has_help_that_the_table_can_be_checked_against():
    for path, command in leaf_commands().items():
        assert command.help and command.help.strip(), f"`byok {path}` has no help text"


def test_the_settings_table_names_every_variable_byok_reads():
    names = " ".join(row[0] for row in table_rows(section(README, "### Settings")))
    documented = set(re.findall(r"`([A-Z][A-Za-z0-9_]+)`", names))
    read = {
        name
        for path in (REPO / "scripts" / "byok").rglob("*.py")
        if "monitor" not in path.parts  # the Lambda's variables are in modules/drift-monitor's README
        for name in re.findall(r"\"(BYOK_[A-Z0-9_]+)\"", path.read_text(encoding="utf-8"))
    }
    assert read - documented == set()
    assert {n for n in documented if n.startswith("BYOK_")} - read == set(), "documented but never read"
    outside = {"SOFTHSM2_CONF", "TF_VAR_database_password", "AWS_REGION", "AWS_PROFILE", "AWS_MAX_ATTEMPTS", "COLUMNS"}
    assert outside <= documented


# A value for every documented byok.toml field, different from its default, and where the loader puts it.
SAMPLES = {
    "estate.order": (["dev", "prod"], lambda p: [e.name for e in p.environments]),
    "estate.expiry_horizon_days": (45, lambda p: p.expiry_horizon_days),
    "estate.terraform_dir": ("tf", lambda p: p.terraform_dir.name),
    "estate.state_dir": ("state", lambda p: p.state_dir.name),
    "environments.<name>.regions": (["eu-west-1"], lambda p: list(p.environment("prod").regions)),
    "environments.<name>.accounts": (["111122223333"], lambda p: list(p.environment("prod").accounts)),
    "environments.<name>.window.days": (["tue"], lambda p: list(p.environment("prod").window.days)),
    "environments.<name>.window.start": ("09:00", lambda p: p.environment("prod").window.start.strftime("%H:%M")),
    "environments.<name>.window.end": ("15:00", lambda p: p.environment("prod").window.end.strftime("%H:%M")),
    "material.minimum_wrapping_algorithm": (
        "RSAES_OAEP_SHA_256",
        lambda p: p.material.minimum_wrapping_algorithm and p.material.minimum_wrapping_algorithm.value,
    ),
    "material.trusted_wrapping": ("required", lambda p: p.material.trusted_wrapping.value),
    "material.trusted_wrapping_opt_out": ("vendor ticket 1", lambda p: p.material.trusted_wrapping_opt_out),
    "rotation.workers_per_region": (7, lambda p: p.rotation.workers_per_region),
    "rotation.hsm_sessions": (3, lambda p: p.rotation.hsm_sessions),
    "rotation.budget_warning": (9, lambda p: p.rotation.budget_warning),
    "rotation.role_name": ("byok-rotate", lambda p: p.rotation.role_name),
    "rotation.quota_headroom": (0.2, lambda p: p.rotation.quota_headroom),
}
DEFAULTS_OF = {
    "estate.terraform_dir": lambda p: p.terraform_dir.name,
    "estate.state_dir": lambda p: p.state_dir.name,
}


def toml_fields() -> dict[str, list[str]]:
    """Documented fields that hold a value (a table such as ``environments.<name>`` is checked through its own)."""
    rows = table_rows(section(README, "### byok.toml reference"))
    return {row[0].strip("`"): row for row in rows if row[1] != "table"}


def _set(document: dict, dotted: str, value: object) -> None:
    *parents, last = dotted.replace("<name>", "prod").split(".")
    for name in parents:
        document = document.setdefault(name, {})
    document[last] = value


def test_every_documented_byok_toml_field_is_read_by_the_loader(tmp_path):
    fields = toml_fields()
    assert set(fields) == set(SAMPLES), "a byok.toml field is documented without a sample here, or the reverse"
    document: dict = {"environments": {"dev": {}}}
    for name, (value, _) in SAMPLES.items():
        _set(document, name, value)
    path = tmp_path / "byok.toml"
    path.write_text(_toml(document))
    policy = load_policy(path)
    for name, (value, read) in SAMPLES.items():
        assert read(policy) == value, name


def test_documented_defaults_are_the_loaders(tmp_path):
    path = tmp_path / "byok.toml"
    path.write_text('[estate]\norder = ["prod"]\n[environments.prod]\n')
    policy = load_policy(path)
    for name, row in toml_fields().items():
        default = re.match(r"`([^`]+)`", row[2])
        if not default or name not in SAMPLES:
            continue
        value = tomllib.loads(f"v = {default.group(1)}")["v"]
        read = DEFAULTS_OF.get(name, SAMPLES[name][1])
        assert read(policy) == (value[:5] if name.endswith((".start", ".end")) else value), name


def test_the_readme_example_loads(tmp_path):
    example = re.search(r"```toml\n(.*?)```", section(README, "### byok.toml reference"), re.S).group(1)
    path = tmp_path / "byok.toml"
    path.write_text(example)
    assert [e.name for e in load_policy(path).environments] == ["dev", "int", "prod"]


def test_readme_sections_that_errors_refer_to_exist():
    for path in (REPO / "scripts" / "byok").rglob("*.py"):
        for name in re.findall(r"README, '([^']+)'", path.read_text(encoding="utf-8")):
            assert re.search(rf"^#+ {re.escape(name)}$", README, re.M), f"{path.name} refers to README '{name}'"


@pytest.mark.parametrize("doc", sorted(DOCS, key=str), ids=str)
def test_docs_link_only_to_files_in_the_project(doc):
    text = DOCS[doc]
    assert "DESIGN.md" not in text or (REPO / "DESIGN.md").exists()
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (REPO / doc).parent.joinpath(target).exists(), f"{doc} links to missing {target}"


@pytest.mark.parametrize("doc", sorted(DOCS, key=str), ids=str)
def test_docs_never_ask_for_rendered_tfvars_to_be_edited_by_hand(doc):
    for sentence in re.split(r"(?<=[.:;])\s", DOCS[doc]):
        if "tfvars" in sentence and re.search(r"\b(edit|describe|change|write)\b", sentence, re.I):
            assert re.search(r"\b(not|never|byok)\b", sentence), sentence


def _toml(document: dict, prefix: str = "") -> str:
    scalars = {k: v for k, v in document.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in document.items() if isinstance(v, dict)}
    lines = [f"[{prefix}]"] if prefix and (scalars or not tables) else []
    lines += [f"{k} = {_value(v)}" for k, v in scalars.items()]
    text = "\n".join(lines) + ("\n" if lines else "")
    for name, table in tables.items():
        text += _toml(table, f"{prefix}.{name}" if prefix else name)
    return text


def _value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def test_the_drift_rule_table_is_the_rule_catalogue():
    """Every rule of ``byok.drift.findings.RULES`` in the drift README, with its severity, and nothing else."""
    from byok.drift.findings import RULES

    text = (REPO / "scripts" / "byok" / "drift" / "README.md").read_text(encoding="utf-8")
    documented = {row[0]: row[1].split(",")[0] for row in table_rows(section(text, "## Rules"))}
    assert documented == {rule_id: rule.severity.value for rule_id, rule in RULES.items()}
