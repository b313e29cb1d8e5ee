"""The estate configuration (``byok.toml``): environment order, maintenance windows, horizons.

This is policy, reviewed like code; the rotation state itself lives in the rendered tfvars.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from byok.errors import ConfigError
from byok.estate import EnvironmentState
from byok.kms.pacing import DEFAULT_HEADROOM
from byok.kms.quotas import REQUEST_QUOTAS
from byok.material_policy import MaterialPolicy, material_policy
from byok.schema import BYOK_TOML, check_keys

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class MaintenanceWindow:
    """Days and a UTC time range in which ``rotate apply`` may change keys."""

    days: tuple[str, ...] = WEEKDAYS
    start: time = time(0, 0)
    end: time = time(23, 59, 59)

    def __post_init__(self) -> None:
        unknown = [d for d in self.days if d not in WEEKDAYS]
        if unknown or not self.days:
            raise ConfigError(
                f"window.days {list(self.days)} must be drawn from {', '.join(WEEKDAYS)}",
                f"write days as three-letter names, e.g. {list(WEEKDAYS[:5])}",
            )
        if self.start >= self.end:
            raise ConfigError(
                f"window.start {self.start.isoformat('minutes')} must come before window.end "
                f"{self.end.isoformat('minutes')}",
                "a window is one range within a UTC day; list the days it applies to in window.days",
            )

    def contains(self, moment: datetime) -> bool:
        moment = moment.astimezone(UTC)
        # whole seconds: an end of 23:59:59 includes the day's last second, not only its first microsecond
        return (
            WEEKDAYS[moment.weekday()] in self.days and self.start <= moment.time().replace(microsecond=0) <= self.end
        )

    def next_opening(self, moment: datetime) -> datetime:
        moment = moment.astimezone(UTC)
        if self.contains(moment):
            return moment
        for offset in range(8):
            day = (moment + timedelta(days=offset)).date()
            opening = datetime.combine(day, self.start, tzinfo=UTC)
            if WEEKDAYS[day.weekday()] in self.days and opening >= moment:
                return opening
        raise AssertionError("a window with at least one day opens within a week")  # pragma: no cover

    def describe(self) -> str:
        return f"{','.join(self.days)} {self.start.strftime('%H:%M')}-{self.end.strftime('%H:%M')} UTC"


@dataclass(frozen=True)
class EnvironmentPolicy:
    name: str
    window: MaintenanceWindow = field(default_factory=MaintenanceWindow)
    regions: tuple[str, ...] = ("eu-central-1",)
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RotationSettings:
    """How ``rotate apply`` spreads its work, and when a proposal warns about the rotation budget."""

    workers_per_region: int = 4  # keys in flight per account-region: enough to keep its quotas busy
    hsm_sessions: int = 2  # PyKCS11 holds the GIL in every call, so more sessions add no speed here
    budget_warning: int = 5  # warn when a proposal leaves a key fewer on-demand rotations than this
    role_name: str | None = None  # assumed in accounts other than the caller's
    quota_headroom: float = DEFAULT_HEADROOM  # pace this far below each quota: network jitter (see kms.pacing)

    def __post_init__(self) -> None:
        for name, low, high in (("workers_per_region", 1, 64), ("hsm_sessions", 1, 64), ("budget_warning", 0, 25)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"rotation.{name} must be a whole number from {low} to {high}")
        headroom = self.quota_headroom
        if isinstance(headroom, bool) or not isinstance(headroom, int | float) or not 0 <= headroom <= 0.5:
            raise ValueError("rotation.quota_headroom must be a fraction from 0 to 0.5 (0.05 paces at 95% of a quota)")


@dataclass(frozen=True)
class EstatePolicy:
    environments: tuple[EnvironmentPolicy, ...]
    terraform_dir: Path = Path("terraform")
    expiry_horizon_days: int = 30
    state_dir: Path = Path(".byok")
    material: MaterialPolicy = field(default_factory=MaterialPolicy)
    rotation: RotationSettings = field(default_factory=RotationSettings)
    quotas: Mapping[str, float] = field(default_factory=dict)  # raised KMS request quotas, every account
    account_quotas: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # per account

    def environment(self, name: str) -> EnvironmentPolicy:
        for env in self.environments:
            if env.name == name:
                return env
        known = ", ".join(e.name for e in self.environments)
        raise ConfigError(
            f"unknown environment {name!r}", f"choose one of: {known}; or add it with `byok init --env {name}`"
        )

    def previous(self, name: str) -> EnvironmentPolicy | None:
        """The environment that must finish its rotation before this one is proposed."""
        names = [e.name for e in self.environments]
        index = names.index(self.environment(name).name)
        return self.environments[index - 1] if index else None

    def quotas_of(self, account: str) -> Mapping[str, float]:
        """Raised quotas (by quota or operation name) for an account; empty means the documented rates."""
        return self.account_quotas.get(account, self.quotas)

    def tfvars_path(self, name: str) -> Path:
        return self.terraform_dir / self.environment(name).name / "byok.auto.tfvars"

    def read_state(self, name: str) -> EnvironmentState:
        """The environment's tfvars, refused if they declare another environment (a copied file)."""
        from byok.render import read_tfvars  # the HCL parser is slow to import; most commands never need it

        return read_tfvars(self.tfvars_path(name), environment=name)


REFERENCE = "see the README section 'byok.toml reference'"


def load_policy(path: Path) -> EstatePolicy:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"there is no estate configuration {path}",
            "run byok where byok.toml lives, pass --config or set BYOK_CONFIG; `byok init --env NAME` creates one",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", "check the path and its permissions") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text", "point --config / BYOK_CONFIG at the TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", "fix the syntax") from None
    check_keys(document, BYOK_TOML, str(path))
    try:
        return _policy(document, base=path.parent)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.cause}", exc.remedy or REFERENCE) from None
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(f"{path}: {exc}", REFERENCE) from None


def _policy(document: dict, base: Path) -> EstatePolicy:
    estate = document.get("estate", {})
    estate = _table(estate, "estate")
    order = estate.get("order")
    environments = _table(document.get("environments", {}), "environments")
    if not isinstance(order, list) or not order or not all(isinstance(name, str) for name in order):
        raise ValueError("estate.order must list the environments in rotation order, e.g. ['dev', 'int', 'prod']")
    if len(set(order)) != len(order):
        raise ValueError("estate.order names an environment twice")
    missing = [name for name in order if name not in environments]
    if missing:
        raise ValueError(f"estate.order names {missing} but [environments.<name>] is missing for them")
    horizon = estate.get("expiry_horizon_days", 30)
    if not isinstance(horizon, int) or isinstance(horizon, bool):
        raise ValueError("estate.expiry_horizon_days must be a whole number")
    if not 1 <= horizon <= 365:
        raise ValueError("estate.expiry_horizon_days must be between 1 and 365")
    return EstatePolicy(
        environments=tuple(_environment(name, environments[name]) for name in order),
        terraform_dir=base / _string(estate.get("terraform_dir", "terraform"), "estate.terraform_dir"),
        expiry_horizon_days=horizon,
        state_dir=base / _string(estate.get("state_dir", ".byok"), "estate.state_dir"),
        material=material_policy(document.get("material", {})),
        rotation=_rotation(_table(document.get("rotation", {}), "rotation")),
        **_quotas(_table(document.get("quotas", {}), "quotas")),
    )


def _rotation(body: dict) -> RotationSettings:
    known = {"workers_per_region", "hsm_sessions", "budget_warning", "role_name", "quota_headroom"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise ValueError(f"rotation has unknown field(s) {unknown}; known: {', '.join(sorted(known))}")
    role = body.get("role_name")
    return RotationSettings(
        workers_per_region=body.get("workers_per_region", 4),
        hsm_sessions=body.get("hsm_sessions", 2),
        budget_warning=body.get("budget_warning", 5),
        role_name=None if role is None else _string(role, "rotation.role_name"),
        quota_headroom=body.get("quota_headroom", DEFAULT_HEADROOM),
    )


def _quotas(body: dict) -> dict[str, object]:
    """``[quotas]`` rates for every account, ``[quotas.accounts.<id>]`` for accounts with their own."""
    accounts = _table(body.get("accounts", {}), "quotas.accounts")
    common = _rates({name: rate for name, rate in body.items() if name != "accounts"}, "quotas")
    return {
        "quotas": common,
        "account_quotas": {
            str(account): {
                **common,
                **_rates(_table(rates, f"quotas.accounts.{account}"), f"quotas.accounts.{account}"),
            }
            for account, rates in accounts.items()
        },
    }


_QUOTA_NAMES = frozenset(name for quota in REQUEST_QUOTAS for name in (quota.name, *quota.operations))


def _rates(body: dict, field: str) -> dict[str, float]:
    unknown = sorted(set(body) - _QUOTA_NAMES)
    if unknown:
        raise ValueError(
            f"{field} names unknown KMS quota(s) {unknown}; use operation names like GetParametersForImport"
        )
    for name, rate in body.items():
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1_000_000:
            raise ValueError(f"{field}.{name} = {rate!r} is not a rate: give requests per second, above 0")
    return {name: float(rate) for name, rate in body.items()}


def _environment(name: str, body: object) -> EnvironmentPolicy:
    body = _table(body, f"environments.{name}")
    where = f"environments.{name}.window"
    window = _table(body.get("window", {}), where)
    days = tuple(_strings(window.get("days", list(WEEKDAYS)), f"{where}.days"))
    start = _time_of_day(window.get("start", "00:00"), f"{where}.start")
    end = _time_of_day(window.get("end", "23:59:59"), f"{where}.end")
    try:
        maintenance = MaintenanceWindow(days, start, end)
    except ConfigError as exc:
        raise ConfigError(f"environments.{name}.{exc.cause}", exc.remedy) from None
    return EnvironmentPolicy(
        name=name,
        window=maintenance,
        regions=tuple(_strings(body.get("regions", ["eu-central-1"]), f"environments.{name}.regions")),
        accounts=tuple(str(a) for a in _list(body.get("accounts", []), f"environments.{name}.accounts")),
    )


def _time_of_day(value: object, field: str) -> time:
    text = _string(value, field)
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{field} is {text!r}, not a time of day", "write HH:MM (UTC) between 00:00 and 23:59"
        ) from None


def _table(value: object, field: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{field} must be a table, got {type(value).__name__}")
    return value


def _list(value: object, field: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{field} must be a list, got {type(value).__name__}")
    return value


def _strings(value: object, field: str) -> list[str]:
    items = _list(value, field)
    if not all(isinstance(item, str) for item in items):
        raise ValueError(f"{field} must list strings")
    return items


def _string(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, got {type(value).__name__}")
    return value
