"""Read rendered tfvars back into the typed estate model, with a clear error for bad input.

The tfvars are edited in pull requests, so they are untrusted input: every field is checked
and a mistake names the file and the field instead of failing deep inside a rotation.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import hcl2
from hcl2 import SerializationOptions
from lark.exceptions import LarkError

from byok.errors import ConfigError
from byok.estate import Binding, EnvironmentState, Generation, GenerationState, ManagedKey
from byok.model import Strategy
from byok.schema import TFVARS, check_keys

_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)


def read_tfvars(path: Path, environment: str | None = None) -> EnvironmentState:
    """``environment``: the name the file must declare (its folder's, from byok.toml), refused otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        name = environment or path.parent.name
        raise ConfigError(
            f"{path} does not exist: environment {name!r} has no rendered key state yet",
            f"scaffold it with `byok init --env {name}`",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", "check the path and its permissions") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text", "restore it from version control or re-render it") from None
    state = parse_tfvars(text, source=str(path))
    if environment is not None and state.environment != environment:
        raise ConfigError(
            f"{path}: environment is {state.environment!r}, but the file belongs to {environment!r}",
            f'set environment = "{environment}" (a copied tfvars would rotate the wrong environment\'s keys)',
        )
    return state


@functools.lru_cache(maxsize=4)
def parse_tfvars(text: str, source: str = "<tfvars>") -> EnvironmentState:
    """Parsed once per text: python-hcl2 takes seconds on a large environment, and the state is immutable."""
    try:
        document = hcl2.loads(text, serialization_options=_OPTIONS)
    except (LarkError, ValueError, UnicodeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{source} is not valid HCL: {first_line}", "fix the syntax or re-render it") from None
    check_keys(document, TFVARS, source)
    reader = _Reader(source)
    try:
        return reader.environment(document)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.cause}", exc.remedy or "fix the field or re-render the file") from None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def environment(self, document: dict) -> EnvironmentState:
        keys = _mapping(document.get("keys", {}), "keys")
        bindings = _mapping(document.get("bindings", {}), "bindings")
        return EnvironmentState(
            environment=_text(document.get("environment"), "environment"),
            keys=tuple(self.key(name, _mapping(value, f"keys.{name}")) for name, value in keys.items()),
            bindings=tuple(self.binding(name, _mapping(value, f"bindings.{name}")) for name, value in bindings.items()),
        )

    def key(self, name: str, body: dict) -> ManagedKey:
        where = f"keys.{name}"
        generations = _mapping(body.get("generations", {}), f"{where}.generations")
        return ManagedKey(
            name=name,
            alias=_text(body.get("alias"), f"{where}.alias"),
            strategy=_choice(Strategy, body.get("strategy"), f"{where}.strategy"),
            max_age_days=_integer(body.get("max_age_days"), f"{where}.max_age_days"),
            description=_text(body.get("description", ""), f"{where}.description", allow_empty=True),
            account=_text(body.get("account", ""), f"{where}.account", allow_empty=True),
            region=_text(body.get("region", ""), f"{where}.region", allow_empty=True),
            replica_regions=tuple(
                _text(region, f"{where}.replica_regions")
                for region in _sequence(body.get("replica_regions", []), f"{where}.replica_regions")
            ),
            generations=tuple(
                sorted(
                    (
                        self.generation(number, _mapping(g, f"{where}.generations.{number}"), where)
                        for number, g in generations.items()
                    ),
                    key=lambda g: g.number,
                )
            ),
        )

    def generation(self, number: str, body: dict, where: str) -> Generation:
        field = f"{where}.generations.{number}"
        return Generation(
            number=_integer(number, f"{field} (number)"),
            state=_choice(GenerationState, body.get("state"), f"{field}.state"),
            created=_date(body.get("created"), f"{field}.created"),
            material_id=_text(body.get("material_id", ""), f"{field}.material_id", allow_empty=True),
            check_value=_text(body.get("check_value", ""), f"{field}.check_value", allow_empty=True),
            strategy=_choice(Strategy, body["strategy"], f"{field}.strategy") if "strategy" in body else None,
        )

    def binding(self, name: str, body: dict) -> Binding:
        generation = body.get("generation")
        return Binding(
            name=name,
            key=_text(body.get("key"), f"bindings.{name}.key"),
            generation=None if generation in (None, "null") else _integer(generation, f"bindings.{name}.generation"),
        )


def _mapping(value: object, field: str) -> dict:
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        value = value[0]  # python-hcl2 wraps some blocks in a list
    if not isinstance(value, dict):
        raise ConfigError(f"{field} must be a map, got {type(value).__name__}")
    return value


def _sequence(value: object, field: str) -> list:
    if not isinstance(value, list):
        raise ConfigError(f"{field} must be a list, got {type(value).__name__}")
    return value


def _text(value: object, field: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ConfigError(f"{field} must be a non-empty string")
    # python-hcl2 keeps HCL's template escapes; undo them so the value is what Terraform sees.
    return value.replace("$${", "${").replace("%%{", "%{")


def _integer(value: object, field: str) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{field} must be a whole number")
    try:
        return int(str(value))
    except ValueError:
        raise ConfigError(f"{field} must be a whole number, got {value!r}") from None


def _date(value: object, field: str) -> date:
    try:
        return date.fromisoformat(_text(value, field))
    except ValueError:
        raise ConfigError(f"{field} must be a date YYYY-MM-DD, got {value!r}") from None


def _choice(enum_type, value: object, field: str):
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum_type)
        raise ConfigError(f"{field} is {value!r}; expected one of: {choices}") from None
