"""``byok drift``: compare code, plan and live AWS with the intended key state; gate CI; write the nightly report.

Exit codes: 0 no finding at or above ``--fail-on``, 1 at least one; errors keep byok's codes (3 config, ...).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import click

from byok.config import AwsSettings
from byok.drift.engine import DriftResult, scan
from byok.drift.evidence import Evidence
from byok.drift.facts import FactSource
from byok.drift.findings import Severity
from byok.drift.intent import Intent, load_intent
from byok.drift.retired import retired_references
from byok.drift.sources.code import CodeSource
from byok.drift.sources.config import ConfigSource
from byok.drift.sources.live import DEFAULT_WORKERS, LiveSource
from byok.drift.sources.plan import PlanSource
from byok.errors import ByokError
from byok.files import check_directory_writable, check_writable, write_atomically
from byok.kms.pacing import QuotaPacer
from byok.kms.transport import require_secure_endpoint
from byok.policy import EstatePolicy, load_policy
from byok.report import FORMATS, NIGHTLY, ReportOptions
from byok.report import chunks as rendered

DEFAULT_CONFIG = Path("byok.toml")


class GateFailed(ByokError):
    """Findings at or above ``--fail-on``: the exit code CI gates on."""

    exit_code = 1


@dataclass(frozen=True)
class Estate:
    """byok.toml (if any) and the options that narrow or override it."""

    policy: EstatePolicy | None
    environment: str | None
    intent: Intent

    @classmethod
    def open(cls, config: Path, environment: str | None) -> Estate:
        if not config.exists() and config == DEFAULT_CONFIG and environment is None:
            return cls(None, None, Intent())  # no estate configuration: compare against tags only
        policy = load_policy(config)
        return cls(policy, environment, load_intent(policy, environment))

    def pacer(self) -> QuotaPacer:
        """KMS's request quotas as byok.toml states them ([quotas], raised per account), else AWS's defaults."""
        if self.policy is None:
            return QuotaPacer()
        return QuotaPacer(self.policy.quotas_of, self.policy.rotation.quota_headroom)

    @property
    def horizon(self) -> int:
        return self.policy.expiry_horizon_days if self.policy else 30

    def _environments(self):
        if self.policy is None:
            return []
        return [self.policy.environment(self.environment)] if self.environment else list(self.policy.environments)

    def regions(self, override: str | None) -> list[str]:
        if override:
            return _split(override)
        found = [region for env in self._environments() for region in env.regions]
        return list(dict.fromkeys(found)) or [_default_region()]

    def accounts(self, override: str | None) -> list[str]:
        if override:
            return _split(override)
        return list(dict.fromkeys(account for env in self._environments() for account in env.accounts))


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _default_region() -> str:
    return AwsSettings.from_env().region


def estate_options(func: Callable) -> Callable:
    func = click.option("--env", "environment", help="Environment of byok.toml (default: every environment).")(func)
    return click.option(
        "--config",
        type=click.Path(path_type=Path, dir_okay=False),
        default=DEFAULT_CONFIG,
        show_default=True,
        envvar="BYOK_CONFIG",
        help="Estate configuration.",
    )(func)


def gate_options(func: Callable) -> Callable:
    """--fail-on, --output(-file), and what people see: the command receives ``view: FindingsView``."""

    report = func

    @functools.wraps(report)
    def command(*args, min_severity, verbose, wide, **kwargs):
        shown = Severity.INFO if verbose else Severity(min_severity)
        return report(*args, view=FindingsView(shown, wide), **kwargs)

    func = click.option(
        "--min-severity",
        type=click.Choice([s.value for s in Severity]),
        default=Severity.LOW.value,
        show_default=True,
        help="List findings at or above this severity in table/markdown; the rest are counted per rule.",
    )(command)
    func = click.option("--verbose", "-v", is_flag=True, help="List every finding, info notes too.")(func)
    func = click.option("--wide", is_flag=True, help="Tables at full width whatever the terminal.")(func)
    func = click.option(
        "--fail-on",
        type=click.Choice(["critical", "high", "medium", "low", "none"]),
        default="high",
        show_default=True,
        help="Exit 1 when a finding at or above this severity exists.",
    )(func)
    func = click.option("--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write here.")(func)
    return click.option(
        "--output", "-o", "output_format", type=click.Choice(list(FORMATS)), default="table", show_default=True
    )(func)


def live_options(func: Callable) -> Callable:
    func = click.option("--endpoint-url", envvar="BYOK_AWS_ENDPOINT", help="AWS endpoint (the local sandbox).")(func)
    func = click.option("--regions", help="Comma-separated regions (default: byok.toml).")(func)
    func = click.option("--accounts", help="Comma-separated account IDs (default: byok.toml, else the caller's).")(func)
    func = click.option("--role-name", help="Role to assume in each account (needed for other accounts).")(func)
    func = config_options(func)
    return click.option("--workers", type=click.IntRange(1, 128), default=DEFAULT_WORKERS, show_default=True)(func)


def config_options(func: Callable) -> Callable:
    """``--source config``: facts from AWS Config advanced queries instead of every service's APIs."""
    func = click.option(
        "--config-max-age",
        type=click.IntRange(1),
        default=24,
        show_default=True,
        help="Hours after which Config's data of an account-region is stale and its APIs are scanned instead.",
    )(func)
    func = click.option(
        "--aggregator", help="Config aggregator to query (organisation-wide); implies --source config."
    )(func)
    return click.option(
        "--source",
        "fact_source",
        type=click.Choice(["api", "config"]),
        default="api",
        show_default=True,
        help="api: call each service's APIs; config: AWS Config advanced queries (APIs only where Config is blind).",
    )(func)


def _live(
    estate: Estate,
    endpoint_url,
    regions,
    accounts,
    role_name,
    workers,
    fact_source="api",
    aggregator=None,
    config_max_age=24,
) -> LiveSource | ConfigSource:
    require_secure_endpoint(endpoint_url)
    if fact_source == "config" or aggregator:
        return ConfigSource(
            regions=estate.regions(regions),
            accounts=estate.accounts(accounts),
            aggregator=aggregator,
            role_name=role_name,
            endpoint_url=endpoint_url,
            workers=workers,
            max_age=timedelta(hours=config_max_age),
        )
    return LiveSource(
        regions=estate.regions(regions),
        accounts=estate.accounts(accounts),
        role_name=role_name,
        endpoint_url=endpoint_url,
        workers=workers,
        pacer=estate.pacer(),
    )


@dataclass(frozen=True)
class FindingsView:
    min_severity: Severity = Severity.LOW
    wide: bool = False


def _options(
    estate: Estate, result: DriftResult, fail_on: str, accounts: str | None = None, view: FindingsView = FindingsView()
) -> ReportOptions:
    account = next(iter(estate.accounts(accounts)), None) or next(
        (f.resource.account for f in result.findings if f.resource.account), None
    )
    return ReportOptions(
        fail_on=None if fail_on == "none" else Severity(fail_on),
        account=account or ReportOptions.account,
        region=estate.regions(None)[0],
        min_severity=view.min_severity,
        wide=view.wide,
    )


def _finish(
    estate: Estate,
    sources: list[FactSource],
    output_format: str,
    output_file: Path | None,
    fail_on: str,
    view: FindingsView,
    accounts=None,
) -> None:
    if output_file:
        check_writable(output_file, "output file")
    result = scan(sources, estate.intent, horizon_days=estate.horizon)
    if output_file:
        view = FindingsView(view.min_severity, wide=True)  # a file has no terminal width
    options = _options(estate, result, fail_on, accounts, view)
    pieces = rendered(output_format, result, options)  # JSON written as it is made: flat memory at 100,000 keys
    if output_file:
        write_atomically(output_file, pieces)
    else:
        for piece in pieces:
            click.echo(piece, nl=False)
    failing = result.at_least(options.fail_on)
    if failing:
        worst = failing[0]
        raise GateFailed(
            f"{len(failing)} drift finding(s) at or above {fail_on} (worst: {worst.rule_id} on {worst.resource.id})",
            "fix them, or see the report for what to do",
        )


@click.group()
def drift() -> None:
    """Find what does not match the intended key state, and what still uses old keys."""


@drift.command("code")
@click.option("--path", type=click.Path(path_type=Path, exists=True), default=Path("."), show_default=True)
@estate_options
@gate_options
def code(path, config, environment, output_format, output_file, fail_on, view) -> None:
    """Literal key IDs/ARNs and references to retired generations in Terraform code."""
    estate = Estate.open(config, environment)
    _finish(estate, [CodeSource(path)], output_format, output_file, fail_on, view)


@drift.command("plan")
@click.option("--plan-json", type=click.Path(path_type=Path, dir_okay=False), required=True)
@estate_options
@gate_options
def plan(plan_json, config, environment, output_format, output_file, fail_on, view) -> None:
    """A `terraform show -json` plan: data stores it would replace, keys and aliases it would leave wrong."""
    estate = Estate.open(config, environment)
    _finish(estate, [PlanSource.from_file(plan_json)], output_format, output_file, fail_on, view)


@drift.command("live")
@estate_options
@live_options
@gate_options
def live(
    config,
    environment,
    endpoint_url,
    regions,
    accounts,
    role_name,
    workers,
    output_format,
    output_file,
    fail_on,
    view,
    **config_source,
):
    """Every account and region: resources, aliases, key states and every material's expiry.

    With --source config (or --aggregator NAME), resources come from AWS Config advanced queries; materials are
    still read from KMS for the imported keys found, and whatever Config does not record is scanned via the APIs.
    """
    estate = Estate.open(config, environment)
    source = _live(estate, endpoint_url, regions, accounts, role_name, workers, **config_source)
    _finish(estate, [source], output_format, output_file, fail_on, view, accounts)


@drift.command("all")
@click.option("--path", type=click.Path(path_type=Path, exists=True), default=Path("."), show_default=True)
@click.option("--plan-json", type=click.Path(path_type=Path, dir_okay=False), help="Also check this plan.")
@estate_options
@live_options
@gate_options
def all_(
    path,
    plan_json,
    config,
    environment,
    endpoint_url,
    regions,
    accounts,
    role_name,
    workers,
    output_format,
    output_file,
    fail_on,
    view,
    **config_source,
) -> None:
    """Code, plan (if given) and live together, so a literal ARN in code is matched to its live key."""
    estate = Estate.open(config, environment)
    sources: list[FactSource] = [CodeSource(path)]
    if plan_json:
        sources.append(PlanSource.from_file(plan_json))
    sources.append(_live(estate, endpoint_url, regions, accounts, role_name, workers, **config_source))
    _finish(estate, sources, output_format, output_file, fail_on, view, accounts)


@drift.command("report")
@click.option("--output-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True)
@click.option("--path", type=click.Path(path_type=Path, exists=True), help="Also scan this Terraform code.")
@estate_options
@live_options
def report(
    output_dir, path, config, environment, endpoint_url, regions, accounts, role_name, workers, **config_source
) -> None:
    """The nightly report: drift-report.md and a self-contained drift-report.html with a timeline."""
    estate = Estate.open(config, environment)
    check_directory_writable(output_dir, "report directory")
    sources: list[FactSource] = [CodeSource(path)] if path else []
    sources.append(_live(estate, endpoint_url, regions, accounts, role_name, workers, **config_source))
    result = scan(sources, estate.intent, horizon_days=estate.horizon)
    options = _options(estate, result, "high", accounts)
    for suffix, renderer in NIGHTLY.items():
        target = output_dir / f"drift-report.{suffix}"
        write_atomically(target, renderer(result, options))
        click.echo(str(target))


@drift.command("retired-keys")
@click.option("--output-file", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--plan-json", type=click.Path(path_type=Path, dir_okay=False), help="Key ARNs from this plan/state.")
@click.option("--live/--no-live", "use_live", default=False, help="Also ask KMS which keys are retired.")
@estate_options
@live_options
def retired_keys(
    output_file,
    plan_json,
    use_live,
    config,
    environment,
    endpoint_url,
    regions,
    accounts,
    role_name,
    workers,
    **config_source,
) -> None:
    """Write every name of every retired key, one per line, for the Checkov policy CKV_BYOK_5."""
    estate = Estate.open(config, environment)
    check_writable(output_file, "output file")
    evidence = Evidence(intent=estate.intent)
    if plan_json:
        evidence.add(PlanSource.from_file(plan_json).facts())
    if use_live:
        evidence.add(_live(estate, endpoint_url, regions, accounts, role_name, workers, **config_source).facts())
    names = retired_references(evidence)
    write_atomically(output_file, "".join(f"{name}\n" for name in names))
    click.echo(f"{len(names)} retired key reference(s) -> {output_file}")
