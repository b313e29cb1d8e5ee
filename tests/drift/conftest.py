"""Fixtures for the drift suite: the sandbox endpoint, clients for any service, and the dev tfvars used as intent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import boto3
from botocore.config import Config

from byok.drift.intent import Intent
from byok.render.parse import parse_tfvars
from byok.sandbox.server import LocalEndpoint
from support.sandbox import ACCOUNT_ID, REGION, sandbox

__all__ = ["ACCOUNT_ID", "REGION", "sandbox"]

PATH_STYLE = Config(s3={"addressing_style": "path"})


def aws(endpoint: LocalEndpoint, service: str, region: str = REGION, **credentials: str) -> Any:
    credentials = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(service, endpoint_url=endpoint.url, region_name=region, config=PATH_STYLE, **credentials)


def local_session() -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")


def days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def dev_tfvars() -> str:
    """dev: app (alias swap) on generation 3 with 2 retiring and 1 retired; logs overdue; cache in place."""
    return f'''
environment = "dev"
keys = {{
  "app" = {{
    alias = "dev-app", strategy = "alias-swap", max_age_days = 365, description = "app data"
    generations = {{
      "1" = {{ state = "retired", created = "{days_ago(700)}" }}
      "2" = {{ state = "retiring", created = "{days_ago(340)}" }}
      "3" = {{ state = "active", created = "{days_ago(10)}" }}
    }}
  }}
  "logs" = {{
    alias = "dev-logs", strategy = "in-place", max_age_days = 30, description = "logs"
    generations = {{ "1" = {{ state = "active", created = "{days_ago(400)}" }} }}
  }}
  "cache" = {{
    alias = "dev-cache", strategy = "in-place", max_age_days = 365, description = "cache"
    generations = {{ "1" = {{ state = "active", created = "{days_ago(5)}" }} }}
  }}
}}
bindings = {{}}
'''


def dev_intent() -> Intent:
    return Intent.of([parse_tfvars(dev_tfvars())])
