"""Multi-Region keys in drift: each replica compared with its primary, and each declared replica looked for.

The comparison is :func:`byok.rotation.replicas.check_replicas`, the one ``material list`` and ``inventory``
use, run here on the keys the scan has already read (:class:`ScannedKeys`) instead of asking KMS again: a
replica is a key of its own region, so a scan of the estate's regions has described it and listed its
materials. A replica in a region the scan did not read is reported as unscanned, never as in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import partial

from byok.drift.evidence import Evidence
from byok.drift.facts import KeyFact, key_resource
from byok.drift.findings import Finding, Resource, finding
from byok.errors import KeyNotFound
from byok.model import KeyMaterial, KeyState, KmsKey
from byok.replica_check import ReplicaCheck, check_replicas

IMPORT_REMEDY = (
    "if a rotation of the key is unfinished, re-run `byok rotate apply` for its environment (it imports every material "
    "a replica lacks); otherwise run `byok material sync-replicas --key <primary ARN>`: it imports each of the "
    "primary's materials the replica lacks from the HSM (EXISTING_KEY_MATERIAL, wrapped under that Region's own "
    "wrapping key)"
)
DIFFERENT_REMEDY = (
    "compare both with `byok material list --key <primary ARN>`; a replica whose materials cannot be made the "
    "primary's must be replaced: delete it, replicate the primary again, "
    "then run `byok material sync-replicas --key <primary ARN>`"
)

REPLICATE_REMEDY = (
    "run `byok terraform apply` for the key's environment, whose root must link terraform/common-multi-region "
    "(it declares a replica in every replica region), then `byok material sync-replicas --key <primary ARN>`"
)
NOT_MULTI_REGION_REMEDY = (
    "a key cannot become multi-Region: rotate it to a new multi-Region key (alias swap), created by the "
    "environment's multi-Region root (terraform/common-multi-region), or drop replica_regions from the tfvars"
)


class ScannedKeys:
    """One account and region of the scan, read like a KMS client (``describe`` and ``list_materials``)."""

    def __init__(self, evidence: Evidence, account: str, region: str) -> None:
        self.evidence = evidence
        self.account = account
        self.region = region

    def fact(self, key: str) -> KeyFact:
        found = self.evidence.keys.get((self.account, self.region, key.rsplit("/", 1)[-1].lower()))
        if found is None:
            raise KeyNotFound(f"the scan read no key {key} in {self.account}/{self.region}")
        return found

    def describe(self, key: str) -> KmsKey:
        return as_kms_key(self.fact(key))

    def list_materials(self, key: str) -> list[KeyMaterial]:
        return list(self.fact(key).materials)


def as_kms_key(fact: KeyFact) -> KmsKey:
    ref = fact.reference
    try:
        state = KeyState(fact.state)
    except ValueError:  # Creating, Updating: a replica on its way, usable by nothing yet
        state = KeyState.UNAVAILABLE
    return KmsKey(
        key_id=ref.name,
        arn=ref.arn or ref.name,
        state=state,
        origin=fact.origin or "EXTERNAL",
        key_spec="SYMMETRIC_DEFAULT",
        multi_region=bool(fact.multi_region),
        replica_regions=fact.replica_regions,
        current_material_id=fact.current_material_id,
    )


def check_multi_region(evidence: Evidence) -> Iterator[Finding]:
    """BYOK-D014/D015 for each replica of each imported primary; BYOK-D013 for one the scan did not read."""
    for key in evidence.keys.values():
        if key.multi_region_type != "PRIMARY" or key.origin != "EXTERNAL" or key.state == KeyState.PENDING_DELETION:
            continue
        account = key.reference.account or ""
        scanned = tuple(r for r in key.replica_regions if (account, r, key.reference.name) in evidence.keys)
        for unread in sorted(set(key.replica_regions) - set(scanned)):
            yield finding(
                "BYOK-D013",
                Resource("AWS::KMS::Key", _arn_in(key, unread), account, unread),
                f"{_label(key)} has a replica in {unread}, which the scan did not read: it cannot be compared "
                "with its primary",
                f"add {unread} to the scanned regions (--regions or byok.toml)",
                key=_label(key),
                source=key.source,
            )
        primary = replace(as_kms_key(key), replica_regions=scanned)
        for check in check_replicas(primary, list(key.materials), partial(ScannedKeys, evidence, account)):
            yield from _replica_findings(key, check)


def _replica_findings(primary: KeyFact, check: ReplicaCheck) -> Iterator[Finding]:
    resource = Resource("AWS::KMS::Key", check.key.arn, primary.reference.account, check.region)
    lacking = [str(p) for p in check.problems if p.kind.lacks_material]
    differing = [str(p) for p in check.problems if not p.kind.lacks_material]
    where = f"replica of {_label(primary)} in {check.region} (primary in {primary.reference.region})"
    common = {"key": _label(primary), "generation": primary.byok_generation, "source": primary.source}
    if lacking:
        yield finding("BYOK-D015", resource, f"{where}: {'; '.join(lacking)}", IMPORT_REMEDY, **common)
    if differing:
        yield finding("BYOK-D014", resource, f"{where}: {'; '.join(differing)}", DIFFERENT_REMEDY, **common)


def check_declared_replicas(evidence: Evidence) -> Iterator[Finding]:
    """BYOK-D016: a key the tfvars declare multi-Region, whose primary lacks a replica in a declared region."""
    for name, managed in sorted(evidence.intent.keys.items()):
        if not managed.replica_regions:
            continue
        for key in evidence.generation_keys(name):
            if key.is_replica or key.multi_region is None or key.state == KeyState.PENDING_DELETION:
                continue  # a source that does not say whether a key is multi-Region cannot tell
            if managed.region and key.reference.region != managed.region:
                continue
            generation = evidence.generation_of(key.reference)
            if generation is not None and generation.state == "retired":
                continue
            missing = [r for r in managed.replica_regions if r not in key.replica_regions]
            if not missing:
                continue
            what = "has no replica" if key.multi_region else "is not a multi-Region key, so it has no replica"
            yield finding(
                "BYOK-D016",
                key_resource(key),
                f"{name} declares replica_regions {list(managed.replica_regions)} but {key.reference.arn} {what} "
                f"in {', '.join(missing)}",
                REPLICATE_REMEDY if key.multi_region else NOT_MULTI_REGION_REMEDY,
                key=name,
                generation=key.byok_generation,
                source=key.source,
            )


def _label(key: KeyFact) -> str:
    return key.byok_name or key.reference.name


def _arn_in(key: KeyFact, region: str) -> str:
    ref = key.reference
    return f"arn:{ref.partition}:kms:{region}:{ref.account}:key/{ref.name}"
