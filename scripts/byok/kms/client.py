"""A thin, typed KMS client for the import and rotation calls byok makes.

Only wrapped material and import tokens pass through here; plaintext never does. Canary
plaintexts (random, non-secret test data) are the one exception, and they are not key material.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import boto3
from botocore.config import Config

from byok.config import AwsSettings
from byok.kms.errors import translate
from byok.kms.pacing import Pace
from byok.kms.transport import require_pinned_endpoint
from byok.kms.wrapping_checks import check_import_parameters, require_offered
from byok.model import (
    ExpirationModel,
    ImportParameters,
    ImportState,
    ImportType,
    KeyMaterial,
    KeyMaterialState,
    KeyState,
    KmsKey,
    WrappingAlgorithm,
    WrappingKeySpec,
)
from byok.paging import paginator

DEFAULT_MAX_ATTEMPTS = 8

LIST_KEYS_PAGE = 1000  # the most ListKeys returns a page


def retry_attempts() -> int:
    return int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)


def retry_config(mode: str = "adaptive") -> Config:
    """Retries (adaptive: client-side rate limiting on throttling); AWS_MAX_ATTEMPTS overrides the count."""
    return Config(retries={"mode": mode, "max_attempts": retry_attempts()}, connect_timeout=10, read_timeout=60)


class KmsClient:
    def __init__(
        self,
        settings: AwsSettings,
        session: boto3.session.Session | None = None,
        minimum_algorithm: WrappingAlgorithm | None = None,
        pace: Pace | None = None,
        credentials: dict[str, str] | None = None,
    ) -> None:
        """``pace`` is called before every request with its operation name (quota pacing); ``credentials``
        (an assumed role's) reach another account through the same session."""
        session = session or boto3.session.Session()
        self.region = settings.region
        self.minimum_algorithm = minimum_algorithm
        self._pace = pace
        self._kms = session.client(
            "kms",
            region_name=settings.region,
            endpoint_url=settings.endpoint_url,
            config=retry_config("adaptive" if pace is None else "standard"),
            **(credentials or {}),
        )
        # What boto3 will really use: AWS_ENDPOINT_URL_KMS or a profile's endpoint_url may have overridden ours.
        require_pinned_endpoint(self._kms.meta.endpoint_url, settings.region, settings.endpoint_url)
        if pace is not None:
            self._kms.meta.events.register_first("needs-retry.kms", self._retry_throttled_on_next_slot)

    def _retry_throttled_on_next_slot(self, response, operation, attempts: int, **_) -> float | None:
        """A throttled paced request waits for its quota's next slot, not for a random back-off.

        Paced requests are throttled only when network jitter makes two arrive closer than they left; the
        next slot is the earliest the retry can succeed. botocore's adaptive mode would also slow every
        other operation of the client, so paced clients use standard retries for everything else.
        """
        if response is None or attempts >= retry_attempts():
            return None
        if response[1].get("Error", {}).get("Code") != "ThrottlingException":
            return None
        self._pace(operation.name)  # waits for the slot here; botocore then sleeps the token millisecond
        return 0.001

    @contextmanager
    def _call(self, action: str, key: str) -> Iterator[None]:
        if self._pace is not None:
            self._pace(action)
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - every failure becomes one actionable line
            raise translate(exc, action, key) from None

    def describe(self, key: str) -> KmsKey:
        with self._call("DescribeKey", key):
            meta = self._kms.describe_key(KeyId=key)["KeyMetadata"]
        multi_region = meta.get("MultiRegionConfiguration") or {}
        return KmsKey(
            key_id=meta["KeyId"],
            arn=meta["Arn"],
            state=KeyState(meta["KeyState"]),
            origin=meta.get("Origin", "AWS_KMS"),
            key_spec=meta.get("KeySpec", "SYMMETRIC_DEFAULT"),
            multi_region=bool(meta.get("MultiRegion", False)),
            replica_regions=tuple(replica["Region"] for replica in multi_region.get("ReplicaKeys", [])),
            primary_region=(multi_region.get("PrimaryKey") or {}).get("Region"),
            current_material_id=meta.get("CurrentKeyMaterialId"),
            creation_date=meta.get("CreationDate"),
        )

    def create_external_key(self, description: str, tags: dict[str, str] | None = None) -> KmsKey:
        with self._call("CreateKey", description):
            meta = self._kms.create_key(
                Origin="EXTERNAL",
                Description=description,
                KeySpec="SYMMETRIC_DEFAULT",
                KeyUsage="ENCRYPT_DECRYPT",
                Tags=[{"TagKey": k, "TagValue": v} for k, v in (tags or {}).items()],
            )["KeyMetadata"]
        return self.describe(meta["KeyId"])

    def create_alias(self, alias: str, key_id: str) -> None:
        with self._call("CreateAlias", alias):
            self._kms.create_alias(AliasName=alias, TargetKeyId=key_id)

    def require_offered(self, algorithm: WrappingAlgorithm) -> None:
        """Refuse, before any HSM or KMS work, an algorithm this region or the estate's minimum does not allow."""
        require_offered(algorithm, self.region, self.minimum_algorithm)

    def get_import_parameters(self, key: str, algorithm: WrappingAlgorithm, spec: WrappingKeySpec) -> ImportParameters:
        """Fetch, then check that KMS answered for this key with exactly the wrapping key spec asked for."""
        self.require_offered(algorithm)
        with self._call("GetParametersForImport", key):
            response = self._kms.get_parameters_for_import(
                KeyId=key, WrappingAlgorithm=algorithm.value, WrappingKeySpec=spec.value
            )
        check_import_parameters(key, spec, response["KeyId"], response["PublicKey"])
        return ImportParameters(
            key_arn=response["KeyId"],
            public_key_der=response["PublicKey"],
            import_token=response["ImportToken"],
            valid_to=response["ParametersValidTo"],
            algorithm=algorithm,
            wrapping_key_spec=spec,
        )

    def import_material(
        self,
        params: ImportParameters,
        wrapped: bytes,
        *,
        import_type: ImportType,
        valid_to: datetime | None,
        description: str | None = None,
        material_id: str | None = None,
    ) -> str:
        """Import wrapped material; returns the KeyMaterialId KMS assigned."""
        request: dict = {
            "KeyId": params.key_arn,
            "ImportToken": params.import_token,
            "EncryptedKeyMaterial": wrapped,
            "ImportType": import_type.value,
        }
        if valid_to is None:
            request["ExpirationModel"] = ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE.value
        else:
            request["ExpirationModel"] = ExpirationModel.KEY_MATERIAL_EXPIRES.value
            request["ValidTo"] = valid_to
        if description:
            request["KeyMaterialDescription"] = description
        if material_id:
            request["KeyMaterialId"] = material_id
        with self._call("ImportKeyMaterial", params.key_arn):
            response = self._kms.import_key_material(**request)
        return response["KeyMaterialId"]

    def rotate_on_demand(self, key: str) -> None:
        with self._call("RotateKeyOnDemand", key):
            self._kms.rotate_key_on_demand(KeyId=key)

    def delete_material(self, key: str, material_id: str | None = None) -> None:
        request = {"KeyId": key}
        if material_id:
            request["KeyMaterialId"] = material_id
        with self._call("DeleteImportedKeyMaterial", key):
            self._kms.delete_imported_key_material(**request)

    def server_time(self) -> datetime:
        """KMS's own clock, from the Date header of a cheap call.

        Times KMS reports (last usage, ValidTo) are compared with it rather than with this machine's clock: a
        runner's clock may be off, and the sandbox's clock may have been moved (``byok sandbox clock``)."""
        with self._call("ListAliases", "the account"):
            headers = self._kms.list_aliases(Limit=1)["ResponseMetadata"].get("HTTPHeaders", {})
        try:
            return parsedate_to_datetime(headers["date"]).astimezone(UTC)
        except (KeyError, TypeError, ValueError):
            return datetime.now(UTC)

    def last_usage(self, key_id: str) -> tuple[str, datetime] | None:
        """The last successful cryptographic use (GetKeyLastUsage), or None when none was recorded."""
        with self._call("GetKeyLastUsage", key_id):
            usage = self._kms.get_key_last_usage(KeyId=key_id).get("KeyLastUsage") or {}
        return (usage["Operation"], usage["Timestamp"]) if usage.get("Timestamp") else None

    def list_materials(self, key: str) -> list[KeyMaterial]:
        """Every material of the key, current or not, including one pending rotation."""
        materials: list[KeyMaterial] = []
        with self._call("ListKeyRotations", key):
            pager = paginator(self._kms, "list_key_rotations")
            for page in pager.paginate(KeyId=key, IncludeKeyMaterial="ALL_KEY_MATERIAL"):
                materials.extend(material_from_entry(entry) for entry in page.get("Rotations", []))
        return materials

    def list_aliases(self, key_id: str) -> list[str]:
        with self._call("ListAliases", key_id):
            pager = paginator(self._kms, "list_aliases")
            return [alias["AliasName"] for page in pager.paginate(KeyId=key_id) for alias in page.get("Aliases", [])]

    def list_key_ids(self) -> list[str]:
        with self._call("ListKeys", self.region):
            pager = paginator(self._kms, "list_keys")
            return [key["KeyId"] for page in pager.paginate() for key in page.get("Keys", [])]

    def key_ids(self) -> Iterator[str]:
        """Every key ID of the region, a page (1,000, the most KMS gives) at a time, never the whole list."""
        with self._call("ListKeys", self.region):
            pages = paginator(self._kms, "list_keys").paginate(PaginationConfig={"PageSize": LIST_KEYS_PAGE})
            for page in pages:
                yield from (key["KeyId"] for key in page.get("Keys", []))

    def all_aliases(self) -> dict[str, list[str]]:
        """Alias names per target key ID, in one paginated listing instead of one call per key."""
        by_key: dict[str, list[str]] = {}
        with self._call("ListAliases", self.region):
            for page in paginator(self._kms, "list_aliases").paginate():
                for alias in page.get("Aliases", []):
                    if alias.get("TargetKeyId"):
                        by_key.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
        return by_key

    def tags(self, key_id: str) -> dict[str, str]:
        with self._call("ListResourceTags", key_id):
            pager = paginator(self._kms, "list_resource_tags")
            return {
                tag["TagKey"]: tag["TagValue"] for page in pager.paginate(KeyId=key_id) for tag in page.get("Tags", [])
            }

    def encrypt(self, key: str, plaintext: bytes, context: dict[str, str]) -> bytes:
        with self._call("Encrypt", key):
            return self._kms.encrypt(KeyId=key, Plaintext=plaintext, EncryptionContext=context)["CiphertextBlob"]

    def decrypt(self, key: str, ciphertext: bytes, context: dict[str, str]) -> tuple[bytes, str | None]:
        """Decrypt a canary; returns the plaintext and the KeyMaterialId KMS used."""
        with self._call("Decrypt", key):
            response = self._kms.decrypt(KeyId=key, CiphertextBlob=ciphertext, EncryptionContext=context)
        return response["Plaintext"], response.get("KeyMaterialId")


def material_from_entry(entry: dict) -> KeyMaterial:
    """One ListKeyRotations entry as a KeyMaterial (shared with the drift collector)."""
    return KeyMaterial(
        material_id=entry["KeyMaterialId"],
        state=KeyMaterialState(entry["KeyMaterialState"]),
        import_state=ImportState(entry["ImportState"]) if entry.get("ImportState") else None,
        expiration_model=ExpirationModel(entry["ExpirationModel"]) if entry.get("ExpirationModel") else None,
        valid_to=entry.get("ValidTo"),
        description=entry.get("KeyMaterialDescription"),
        rotation_date=entry.get("RotationDate"),
    )
