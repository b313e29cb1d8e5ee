"""What the monitor functions read from their Lambda environment, which the Terraform module writes.

The intent travels as JSON in ``BYOK_INTENT`` rather than as tfvars because the Lambda has no HCL parser
(the tfvars reader needs hcl2), and rather than as an SSM parameter because an environment variable needs no
extra call, permission or resource on any provider version; the module keeps it under the 4 KB limit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import boto3

from byok.drift.findings import Severity
from byok.drift.intent import Intent
from byok.errors import ConfigError
from byok.estate import EnvironmentState, Generation, GenerationState, ManagedKey
from byok.model import Strategy


@dataclass(frozen=True)
class Settings:
    intent: Intent
    regions: tuple[str, ...]
    horizon_days: int
    threshold: Severity
    security_hub: bool
    topic_arn: str | None
    resource_types: tuple[str, ...]
    endpoint_url: str | None = None  # the local endpoint in tests; unset in AWS
    aggregator: str | None = None  # organisation-wide: query this Config aggregator instead of every API
    accounts: tuple[str, ...] = ()  # accounts the aggregator should cover; empty: every source it has
    role_name: str | None = None  # role in member accounts, for KMS materials and what Config does not record
    config_max_age_hours: int = 24

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        regions = _listed(env.get("BYOK_REGIONS", "")) or (env.get("AWS_REGION", "us-east-1"),)
        try:
            threshold = Severity(env.get("BYOK_THRESHOLD", "medium"))
            horizon = int(env.get("BYOK_HORIZON_DAYS", "30"))
            max_age = int(env.get("BYOK_CONFIG_MAX_AGE_HOURS", "24"))
        except ValueError as exc:
            raise ConfigError(f"monitor setting: {exc}", "re-apply modules/drift-monitor") from None
        return cls(
            intent=intent_from_json(env.get("BYOK_INTENT", "{}")),
            regions=regions,
            horizon_days=horizon,
            threshold=threshold,
            security_hub=env.get("BYOK_SECURITY_HUB", "false").lower() == "true",
            topic_arn=env.get("BYOK_TOPIC_ARN") or None,
            resource_types=_listed(env.get("BYOK_RESOURCE_TYPES", "")),
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            aggregator=env.get("BYOK_AGGREGATOR") or None,
            accounts=_listed(env.get("BYOK_ACCOUNTS", "")),
            role_name=env.get("BYOK_MEMBER_ROLE") or None,
            config_max_age_hours=max_age,
        )

    def client(self, session: boto3.session.Session, service: str, region: str) -> Any:
        return session.client(service, region_name=region, endpoint_url=self.endpoint_url)


def _listed(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def intent_from_json(text: str) -> Intent:
    """``{environment: {key name: {alias, strategy, max_age_days, generations: {N: {state, created}}}}}``.

    The estate model's own checks (names, one active generation, ...) run on construction, so a hand-edited
    variable fails here with the field at fault instead of producing wrong findings.
    """
    try:
        document = json.loads(text)
        return Intent.of(_environment(name, keys) for name, keys in document.items())
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"BYOK_INTENT is not a valid estate intent: {exc!r}", "re-apply modules/drift-monitor"
        ) from None


def _environment(name: str, keys: dict[str, Any]) -> EnvironmentState:
    return EnvironmentState(environment=name, keys=tuple(_key(key, body) for key, body in keys.items()))


def _key(name: str, body: dict[str, Any]) -> ManagedKey:
    generations = (
        Generation(int(number), GenerationState(g["state"]), date.fromisoformat(g["created"]))
        for number, g in body["generations"].items()
    )
    return ManagedKey(
        name=name,
        alias=body["alias"],
        strategy=Strategy(body["strategy"]),
        max_age_days=int(body["max_age_days"]),
        description="",
        generations=tuple(sorted(generations, key=lambda g: g.number)),
    )
