"""One paced KMS client per account and region a run touches, with credentials per account.

Keys of the caller's own account (or with no account named) use the caller's credentials; keys of
other accounts use a role assumed there (``[rotation] role_name`` in byok.toml), as ``drift live``
does. Every client of an account-region shares that account-region's quota buckets.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from byok.config import AwsSettings
from byok.errors import ConfigError, KmsError
from byok.estate import EnvironmentState, ManagedKey
from byok.kms.client import KmsClient
from byok.kms.pacing import QuotaPacer
from byok.model import WrappingAlgorithm
from byok.rotation.apply import KeyRotation
from byok.rotation.concurrent import KeyJob, Scope


def scope_of(key: ManagedKey, default_region: str) -> Scope:
    return Scope(key.account, key.region or default_region)


def jobs_for(state: EnvironmentState, rotations: Sequence[KeyRotation], default_region: str) -> list[KeyJob]:
    """One job per key, its rotations in the order given (a first material before a pending generation)."""
    by_key: dict[str, list[KeyRotation]] = {}
    for rotation in rotations:
        by_key.setdefault(rotation.key, []).append(rotation)
    return [
        KeyJob(name, scope_of(state.key(name), default_region), tuple(steps), state.key(name).replica_regions)
        for name, steps in by_key.items()
    ]


class KmsScopes:
    def __init__(
        self,
        settings: AwsSettings,
        pacer: QuotaPacer,
        role_name: str | None = None,
        session: boto3.session.Session | None = None,
        minimum_algorithm: WrappingAlgorithm | None = None,
    ) -> None:
        self.settings = settings
        self.minimum_algorithm = minimum_algorithm
        self.pacer = pacer
        self.role_name = role_name
        self._session = session or boto3.session.Session()
        self._credentials: dict[str, dict[str, str]] = {}
        self._clients: dict[Scope, KmsClient] = {}
        self._own_account: str | None = None
        self._lock = threading.Lock()

    def client(self, scope: Scope) -> KmsClient:
        with self._lock:
            if scope not in self._clients:
                settings = AwsSettings(endpoint_url=self.settings.endpoint_url, region=scope.region)
                self._clients[scope] = KmsClient(
                    settings,
                    self._session,
                    minimum_algorithm=self.minimum_algorithm,
                    pace=self.pacer.for_scope(scope.account, scope.region),
                    credentials=self._credentials_for(scope.account),
                )
            return self._clients[scope]

    def _credentials_for(self, account: str) -> dict[str, str]:
        """No credentials of its own for the caller's account; assumed-role ones for every other account.

        Clients of every account come from the one session, so KMS's service model is loaded once.
        """
        if not account or account == self._own():
            return {}
        if account not in self._credentials:
            self._credentials[account] = self._assumed(account)
        return self._credentials[account]

    def _own(self) -> str:
        if self._own_account is None:
            sts = self._sts()
            try:
                self._own_account = sts.get_caller_identity()["Account"]
            except (BotoCoreError, ClientError) as exc:
                raise KmsError(f"cannot tell which account these credentials belong to: {exc}") from None
        return self._own_account

    def _assumed(self, account: str) -> dict[str, str]:
        if not self.role_name:
            raise ConfigError(
                f"key in account {account} but these credentials are for account {self._own()}",
                "set [rotation] role_name in byok.toml to a role byok may assume in that account",
            )
        role = f"arn:aws:iam::{account}:role/{self.role_name}"
        try:
            credentials = self._sts().assume_role(RoleArn=role, RoleSessionName="byok-rotate")["Credentials"]
        except (BotoCoreError, ClientError) as exc:
            raise ConfigError(f"cannot assume {role}: {exc}", "check the role's trust policy and name") from None
        return {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }

    def _sts(self):
        return self._session.client("sts", region_name=self.settings.region, endpoint_url=self.settings.endpoint_url)
