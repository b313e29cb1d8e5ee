"""The one description of byok's two configuration files: ``byok.toml`` and ``terraform/<env>/byok.auto.tfvars``.

Both are edited in pull requests, so both are untrusted input: a key byok does not know is refused with a
did-you-mean (``expiry_horizion_days`` must not silently mean "the default"), and every error names the
file, the field and what to do. The same tree documents the files: ``reference(BYOK_TOML)`` yields one row
per field (path, type, default, description) for the README's ``byok.toml`` reference, so the docs cannot
list a field the loader does not know, or miss one it does.

A ``Table`` has fixed ``fields``; with ``entry`` set it is instead a map whose keys the user names
(``[environments.<name>]``, ``keys."<name>"``) and whose every value is that entry table.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from byok.errors import ConfigError


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    default: str | None = None  # None: required


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    fields: tuple[Field | Table, ...] = ()
    entry: Table | None = None  # a map keyed by user-chosen names, each value shaped like ``entry``
    default: str | None = None

    @property
    def type(self) -> str:
        return "map of tables" if self.entry is not None else "table"

    def known(self) -> dict[str, Field | Table]:
        return {item.name: item for item in self.fields}


WINDOW = Table(
    "window",
    "When `byok rotate apply` may change keys in this environment (UTC).",
    (
        Field("days", "list of strings", "Weekdays, drawn from mon, tue, wed, thu, fri, sat, sun.", "every day"),
        Field("start", "string HH:MM", "Opening time, 00:00-23:59, before `end`.", '"00:00"'),
        Field("end", "string HH:MM", "Closing time, 00:00-23:59:59, after `start`.", '"23:59:59"'),
    ),
    default="always open",
)

ENVIRONMENT = Table(
    "<name>",
    "One environment; its name is also its folder under terraform_dir.",
    (
        Field("regions", "list of strings", "AWS regions of its keys (drift scans them).", '["eu-central-1"]'),
        Field("accounts", "list of strings", "AWS account IDs scanned by `byok drift live`.", "the caller's account"),
        WINDOW,
    ),
)

BYOK_TOML = Table(
    "byok.toml",
    "The estate configuration: policy reviewed like code (the rotation state lives in the tfvars).",
    (
        Table(
            "estate",
            "Settings of the whole estate.",
            (
                Field("order", "list of strings", "Environments in rotation order; each waits for the one before."),
                Field(
                    "expiry_horizon_days",
                    "integer 1-365",
                    "Propose keys due within this many days; warn on materials expiring within it.",
                    "30",
                ),
                Field(
                    "terraform_dir",
                    "string",
                    "Folder of the per-environment roots, relative to byok.toml.",
                    '"terraform"',
                ),
                Field(
                    "state_dir",
                    "string",
                    "Where byok keeps canaries, the journal, PR texts (not committed).",
                    '".byok"',
                ),
            ),
        ),
        Table("environments", "One table per environment named in estate.order.", entry=ENVIRONMENT),
        Table(
            "material",
            "Rules for key material (byok.material_policy).",
            (
                Field(
                    "minimum_wrapping_algorithm",
                    "string",
                    "Refuse weaker KMS wrapping algorithms: a downgrade becomes an error.",
                    "none",
                ),
                Field(
                    "trusted_wrapping",
                    "string",
                    "Key-ceremony mode: required, when-supported or off.",
                    '"when-supported"',
                ),
                Field("trusted_wrapping_opt_out", "string", "Required with off: the reason, journaled.", '""'),
            ),
            default="defaults",
        ),
        Table(
            "rotation",
            "How `byok rotate apply` spreads its work (byok.policy.RotationSettings).",
            (
                Field("workers_per_region", "integer 1-64", "Keys in flight per account-region.", "4"),
                Field("hsm_sessions", "integer 1-64", "HSM sessions shared by the workers.", "2"),
                Field("budget_warning", "integer 0-25", "Warn when a key would have fewer rotations left.", "5"),
                Field("role_name", "string", "Role assumed in accounts other than the caller's.", "none"),
                Field("quota_headroom", "number 0-0.5", "Pace this far below each KMS request quota.", "0.05"),
            ),
            default="defaults",
        ),
        Table(
            "quotas",
            "Raised KMS request quotas (requests per second) by operation or quota; accounts.<id> for one account.",
            entry=Table(
                "<operation>",
                "A rate, or `accounts`: one table of rates per account ID.",
                entry=Table("<account>", "One account's rates.", entry=Table("<operation>", "A rate.")),
            ),
            default="KMS's documented quotas",
        ),
    ),
)

GENERATION = Table(
    "<number>",
    "One generation of a key.",
    (
        Field("state", "string", "pending, active, retiring or retired."),
        Field("created", "string YYYY-MM-DD", "When the generation was proposed."),
        Field("material_id", "string", "KMS KeyMaterialId, recorded by `byok rotate apply`.", '""'),
        Field("check_value", "string", "HSM key check value, recorded by `byok rotate apply`.", '""'),
        Field(
            "strategy",
            "string",
            "This generation's own strategy (alias-swap when the rotation budget is spent).",
            "the key's",
        ),
    ),
)

TFVARS = Table(
    "byok.auto.tfvars",
    "An environment's intended key state, rendered by byok (`byok rotate propose`, `byok init`).",
    (
        Field("environment", "string", "The environment's name; must match its folder and byok.toml."),
        Table(
            "keys",
            "The environment's keys.",
            entry=Table(
                "<name>",
                "One managed key.",
                (
                    Field("alias", "string", "alias/<alias> points at the active generation."),
                    Field("strategy", "string", "in-place or alias-swap."),
                    Field("max_age_days", "integer", "Rotate when the active generation is this old."),
                    Field("description", "string", "KMS key description.", '""'),
                    Field("account", "string", "AWS account ID of the key.", "the caller's"),
                    Field("region", "string", "AWS region of the key (a multi-Region key's primary).", "--region"),
                    Field("replica_regions", "list of strings", "Regions of a multi-Region key's replicas.", "[]"),
                    Table("generations", "The key's generations by number.", entry=GENERATION),
                ),
            ),
        ),
        Table(
            "bindings",
            "Resources bound to a key.",
            entry=Table(
                "<name>",
                "One bound resource.",
                (
                    Field("key", "string", "Name of the key in `keys`."),
                    Field("generation", "string or null", "Pinned generation (RDS, EBS), or null to follow.", "null"),
                ),
            ),
        ),
    ),
)


def check_keys(document: object, schema: Table, source: str, where: str = "") -> None:
    """Refuse the first key the schema does not know, with a did-you-mean; types are checked by the readers."""
    if not isinstance(document, dict):
        return
    if schema.entry is not None:
        for name, value in document.items():
            check_keys(value, schema.entry, source, _join(where, str(name)))
        return
    known = schema.known()
    for key, value in document.items():
        if key.startswith("__"):  # python-hcl2's own bookkeeping (comments)
            continue
        item = known.get(key)
        if item is None:
            raise ConfigError(f"{source}: unknown field {_join(where, key)!r}", _suggestion(key, known, where))
        if isinstance(item, Table):
            check_keys(value, item, source, _join(where, key))


def _suggestion(key: str, known: dict[str, Field | Table], where: str) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean {_join(where, close[0])!r}?"
    names = ", ".join(sorted(known)) or "none"
    return f"fields allowed in {where or 'the top level'}: {names}"


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def reference(schema: Table, prefix: str = "") -> Iterator[tuple[str, str, str, str]]:
    """(dotted path, type, default or "required", description) for every field, depth first, for the docs."""
    items = (schema.entry,) if schema.entry is not None else schema.fields
    for item in items:
        if item is None:
            continue
        path = _join(prefix, item.name)
        default = item.default if item.default is not None else ("—" if isinstance(item, Table) else "required")
        yield path, item.type, default, item.description
        if isinstance(item, Table):
            yield from reference(item, path)
