"""Clients of other accounts on the local endpoint: moto maps an assumed role's credentials to the role's account."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

PATH_STYLE = Config(s3={"addressing_style": "path"})


def credentials_of(url: str, account: str, region: str = "us-east-1") -> dict[str, str]:
    sts = boto3.client(
        "sts",
        endpoint_url=url,
        region_name=region,
        **OWN,
    )
    role = f"arn:aws:iam::{account}:role/byok-drift"
    assumed = sts.assume_role(RoleArn=role, RoleSessionName="seed")["Credentials"]
    return {
        "aws_access_key_id": assumed["AccessKeyId"],
        "aws_secret_access_key": assumed["SecretAccessKey"],
        "aws_session_token": assumed["SessionToken"],
    }


OWN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # moto's default account


def client_in(url: str, service: str, region: str, credentials: dict[str, str] | None = None) -> Any:
    """A client of the account ``credentials`` belong to; without them, of moto's default account."""
    return boto3.client(service, endpoint_url=url, region_name=region, config=PATH_STYLE, **(credentials or OWN))


def start_recorder(config: Any, account: str, **group: Any) -> None:
    """A recorder (and the delivery channel Config needs to start it), recording every type unless told otherwise."""
    role = f"arn:aws:iam::{account}:role/config"
    recording_group = group or {"allSupported": True}
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": role, "recordingGroup": recording_group}
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-delivery"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
