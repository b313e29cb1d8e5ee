"""The checks: each turns evidence into findings of one rule (see the catalogue in ``findings``).

Checks read :class:`Evidence`, never a source, so each works on code, plan and live facts alike and is
tested on its own. ``CHECKS`` maps every rule ID to its check; the catalogue and this map must agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

from byok.drift.evidence import Evidence
from byok.drift.facts import KeyFact, UsageFact, key_resource
from byok.drift.findings import RULES, Finding, Resource, Severity, finding
from byok.drift.reference import ReferenceKind
from byok.drift.replica_rules import check_declared_replicas, check_multi_region
from byok.model import ImportState, KeyMaterial, KeyMaterialState, KeyState

Check = Callable[[Evidence], Iterator[Finding]]
URGENT = timedelta(days=7)
DATA_STORE_REMEDY = (
    "keep the old key ARN in this resource (pin its generation in the binding) and move the data with a snapshot "
    "copy under the new key and a restore; never let Terraform replace the store"
)


def _label(evidence: Evidence, usage: UsageFact) -> str:
    key = evidence.key(usage.reference)
    return (key.byok_name if key else None) or str(usage.reference)


def check_generation_in_use(evidence: Evidence) -> Iterator[Finding]:
    for usage in evidence.usages:
        generation = evidence.generation_of(usage.reference)
        if generation is None or generation.state in (None, "active"):
            continue
        where = f"{usage.resource.type} {usage.resource.id} ({usage.attribute} = {usage.reference})"
        if generation.state == "retired":
            yield finding(
                "BYOK-D001",
                usage.resource,
                f"{where} uses generation {generation.number} of {generation.name}, which is retired",
                f"re-encrypt under the active generation (alias/{generation.name}) and point the resource at it",
                key=generation.name,
                generation=generation.number,
                source=usage.source,
            )
        else:
            yield finding(
                "BYOK-D002",
                usage.resource,
                f"{where} uses generation {generation.number} of {generation.name}, which is {generation.state}",
                f"finish the cut-over: move the resource to the active generation of {generation.name}",
                key=generation.name,
                generation=generation.number,
                source=usage.source,
            )


def check_max_age(evidence: Evidence) -> Iterator[Finding]:
    today = evidence.now.date()
    for name, managed in sorted(evidence.intent.keys.items()):
        active = managed.active
        if active is None:
            continue
        due = active.created + timedelta(days=managed.max_age_days)
        if due < today:
            keys = [k for k in evidence.generation_keys(name) if k.byok_generation == active.number]
            if keys:
                resource, source = key_resource(keys[0]), keys[0].source
            else:  # known from the tfvars alone
                resource, source = Resource("byok::Key", f"alias/{name}"), "code"
            yield _overdue(name, active.number, active.created, due, today, resource, source)
    seen = set(evidence.intent.keys)
    for key in evidence.keys.values():
        name, due = key.byok_name, key.tag_date("byok:next-due")
        if name is None or name in seen or due is None or key.tags.get("byok:state", "active") != "active":
            continue
        seen.add(name)
        if due < today:
            rotated = key.tag_date("byok:rotated")
            yield _overdue(name, key.byok_generation, rotated, due, today, key_resource(key), key.source)


def _overdue(
    name: str, number: int | None, rotated: date | None, due: date, today: date, resource: Resource, source: str
) -> Finding:
    return finding(
        "BYOK-D003",
        resource,
        f"{name} generation {number} was created {rotated or 'at an unknown date'} and was due on {due} "
        f"({(today - due).days} day(s) overdue)",
        f"run `byok rotate propose` for the environment of {name}, then merge and apply the pull request",
        key=name,
        generation=number,
        source=source,
    )


def check_materials(evidence: Evidence) -> Iterator[Finding]:
    for key in evidence.keys.values():
        if key.state == KeyState.PENDING_DELETION or _retired(evidence, key):
            continue
        for material in key.materials:
            if material.state == KeyMaterialState.PENDING_ROTATION:
                continue  # not bound to the key yet: losing it does not take the key down
            if key.is_replica and material.import_state == ImportState.PENDING_IMPORT and material.valid_to is None:
                continue  # never imported into this replica: BYOK-D015 says so, with the primary it lacks
            yield from _material_finding(evidence, key, material)


def _retired(evidence: Evidence, key: KeyFact) -> bool:
    generation = evidence.generation_of(key.reference)
    return generation is not None and generation.state == "retired"


def _material_finding(evidence: Evidence, key: KeyFact, material: KeyMaterial) -> Iterator[Finding]:
    label = key.byok_name or key.reference.name
    what = f"material {material.material_id} ({material.state.value}) of {label}"
    reimport = (
        f"re-import the same material from the HSM with `byok material renew --key {key.reference.arn} "
        f"--material-id {material.material_id}` (EXISTING_KEY_MATERIAL) and a later ValidTo"
    )
    expired = material.valid_to is not None and material.valid_to <= evidence.now
    if material.import_state == ImportState.PENDING_IMPORT or expired:
        when = f"expired at {material.valid_to.isoformat()}" if expired and material.valid_to else "was deleted"
        yield finding(
            "BYOK-D005",
            key_resource(key),
            f"{what} {when}; the key is {key.state}",
            reimport,
            key=label,
            generation=key.byok_generation,
            source=key.source,
            material_id=material.material_id,
        )
    elif material.valid_to is not None and material.valid_to <= evidence.now + evidence.horizon:
        left = material.valid_to - evidence.now
        yield finding(
            "BYOK-D004",
            key_resource(key),
            f"{what} expires at {material.valid_to.isoformat()} (in {left.days} day(s) {left.seconds // 3600} h)",
            reimport + ", or rotate the key before then",
            severity=Severity.HIGH if left <= URGENT else None,
            key=label,
            generation=key.byok_generation,
            source=key.source,
            material_id=material.material_id,
        )


def check_aliases(evidence: Evidence) -> Iterator[Finding]:
    names = set(evidence.intent.keys) | {k.byok_name for k in evidence.keys.values() if k.byok_name}
    for alias in evidence.aliases:
        target = evidence.keys.get((alias.account, alias.region, alias.target_key_id.lower()))
        if target is None:
            continue
        named = _alias_generation(alias.name, names)
        if named is None:
            continue
        name, number = named
        expected = number if number is not None else _active_number(evidence, name)
        tagged_name, tagged_generation = target.byok_name, target.byok_generation
        in_place = evidence.strategy(name, target) == "in-place"
        wrong_generation = not in_place and expected is not None and tagged_generation != expected
        if tagged_name == name and not wrong_generation:
            continue
        actual = f"{tagged_name or 'an untagged key'} generation {tagged_generation}"
        yield finding(
            "BYOK-D006",
            Resource(
                "AWS::KMS::Alias",
                f"arn:aws:kms:{alias.region}:{alias.account}:{alias.name}",
                alias.account,
                alias.region,
            ),
            f"{alias.name} points at {target.reference.arn} ({actual}); expected {name} generation {expected}",
            "re-apply terraform for the environment (the key module moves the alias) or run the cut-over step "
            "of `byok rotate apply` again",
            key=name,
            generation=tagged_generation,
            source=alias.source,
        )


def _alias_generation(alias: str, names: set[str]) -> tuple[str, int | None] | None:
    bare = alias.removeprefix("alias/")
    if bare in names:
        return bare, None
    head, _, number = bare.rpartition("-g")
    return (head, int(number)) if head in names and number.isdigit() else None


def _active_number(evidence: Evidence, name: str) -> int | None:
    active = evidence.intent.active(name)
    if active is not None:
        return active.number
    tagged = [k for k in evidence.generation_keys(name) if k.tags.get("byok:state") == "active"]
    return tagged[0].byok_generation if len(tagged) == 1 else None


def check_unusable_key_in_use(evidence: Evidence) -> Iterator[Finding]:
    for usage in evidence.usages:
        key = evidence.key(usage.reference)
        if key is None:
            continue
        label = key.byok_name or key.reference.arn
        if key.state == KeyState.PENDING_DELETION:
            when = key.deletion_date.date().isoformat() if key.deletion_date else "the end of its window"
            yield finding(
                "BYOK-D007",
                usage.resource,
                f"{usage.resource.id} uses {key.reference.arn}, scheduled for deletion on {when}",
                f"cancel the deletion (`aws kms cancel-key-deletion --key-id {key.reference.name}`), move the "
                "resource to an active key, and retire the key only when nothing references it (`byok retire`)",
                key=label,
                generation=key.byok_generation,
                source=usage.source,
            )
        elif key.state == KeyState.PENDING_IMPORT:
            yield finding(
                "BYOK-D008",
                usage.resource,
                f"{usage.resource.id} uses {key.reference.arn}, which is pending import (no usable material)",
                "re-import the key's material from the HSM (`byok material renew` for a material that expired or "
                "was deleted) or move the resource to the active generation",
                key=label,
                generation=key.byok_generation,
                source=usage.source,
            )


def _spelled(usage: UsageFact) -> str:
    """The key as written: an ARN whose account or region is interpolated still shows it was an ARN."""
    ref = usage.reference
    if ref.arn is None and ref.kind is ReferenceKind.KEY_ARN:
        return f"arn:{ref.partition}:kms:…:key/{ref.name}"
    return str(ref)


def check_hardcoded(evidence: Evidence) -> Iterator[Finding]:
    for usage in evidence.usages:
        if not usage.literal or not usage.reference.pins_key:
            continue
        yield finding(
            "BYOK-D009",
            usage.resource,
            f"{usage.resource.id} {usage.attribute} is the literal {usage.reference.kind.value} {_spelled(usage)}",
            "take the key from the key module (module.<key>.generation_arns[N] or key_arn) or from the alias, "
            "so that rotations and retirements reach this resource",
            key=_label(evidence, usage),
            source=usage.source,
        )


def check_replacements(evidence: Evidence) -> Iterator[Finding]:
    for change in evidence.replacements:
        yield finding(
            "BYOK-D010",
            change.resource,
            f"{change.resource.id} would be destroyed and re-created: {change.attribute} changes from "
            f"{change.before or '(unknown)'} to {change.after or '(known after apply)'}",
            DATA_STORE_REMEDY,
            source="plan",
        )


def check_rotation_false_alarm(evidence: Evidence) -> Iterator[Finding]:
    """BYOK-D011: explain, once per imported key, why automatic-rotation checks say nothing about it.

    Evidence, and only what it supports: the AWS Config managed rule ``cmk-backing-key-rotation-enabled``
    (the rule behind Security Hub control KMS.4) "checks if automatic key rotation is enabled for each key",
    and its documentation notes that "automatic key rotation is not supported for ... KMS keys with imported
    key material" (docs.aws.amazon.com/config/latest/developerguide/cmk-backing-key-rotation-enabled.html;
    the KMS API reference for EnableKeyRotation says the same). Neither document says what the rule reports
    for an imported key (NON_COMPLIANT or not applicable), and other scanners differ (ScoutSuite excludes
    imported keys, nccgroup/scoutsuite issue 1636). So the finding does not claim KMS.4 fails the key: it
    says that whatever KMS.4 shows for it is not evidence about its rotation, and points at the rules that
    are. It is informational: never a gate, not in the default table, always in JSON, SARIF and ASFF.
    """
    for key in evidence.keys.values():
        if key.origin != "EXTERNAL" or key.state == KeyState.PENDING_DELETION:
            continue
        label = key.byok_name or key.reference.name
        schedule = (
            f"byok rotates it by {key.tags.get('byok:strategy', 'imported-material rotation')}: last rotated "
            f"{key.tags.get('byok:rotated', 'unknown')}, next due {key.tags.get('byok:next-due', 'unknown')}"
        )
        yield finding(
            "BYOK-D011",
            key_resource(key),
            f"{label} is an imported key (Origin=EXTERNAL). AWS does not support automatic rotation for imported "
            "key material, so Security Hub KMS.4 / AWS Config cmk-backing-key-rotation-enabled (which check "
            f"automatic rotation) say nothing about how this key is rotated. {schedule}.",
            "if KMS.4 flags keys tagged byok:key, suppress it for them with this finding as the reason, and gate "
            "on BYOK-D003 (age) and BYOK-D004/D005 (material expiry) instead",
            key=label,
            generation=key.byok_generation,
            source=key.source,
        )


def check_missing_key(evidence: Evidence) -> Iterator[Finding]:
    for usage in evidence.usages:
        ref = usage.reference
        if ref.is_aws_managed_alias or not evidence.resolver.knows(ref.account, ref.region):
            continue
        if evidence.resolve(ref) is None:
            yield finding(
                "BYOK-D012",
                usage.resource,
                f"{usage.resource.id} uses {ref}, which is not a key or alias in {ref.account}/{ref.region}",
                "point the resource at an existing key (restore its data from a backup encrypted under a live key "
                "if the key is gone)",
                key=str(ref),
                source=usage.source,
            )


GAP_REMEDY = {
    "code": "make the file valid UTF-8 HCL or JSON that Terraform reads, or move it out of the scanned path",
    "live": "grant the scanning role read access (policies/iam) or exclude the service explicitly",
}


def check_gaps(evidence: Evidence) -> Iterator[Finding]:
    for gap in evidence.gaps:
        yield finding(
            "BYOK-D013",
            gap.resource,
            gap.reason,
            GAP_REMEDY.get(gap.source, GAP_REMEDY["live"]),
            source=gap.source,
        )


CHECKS: dict[str, Check] = {
    "BYOK-D001": check_generation_in_use,  # also yields BYOK-D002
    "BYOK-D003": check_max_age,
    "BYOK-D004": check_materials,  # also yields BYOK-D005
    "BYOK-D006": check_aliases,
    "BYOK-D007": check_unusable_key_in_use,  # also yields BYOK-D008
    "BYOK-D009": check_hardcoded,
    "BYOK-D010": check_replacements,
    "BYOK-D011": check_rotation_false_alarm,
    "BYOK-D012": check_missing_key,
    "BYOK-D013": check_gaps,
    "BYOK-D014": check_multi_region,  # also yields BYOK-D015, and BYOK-D013 for a replica the scan did not read
    "BYOK-D016": check_declared_replicas,
}


def evaluate(evidence: Evidence) -> list[Finding]:
    """Every finding once, worst first, in a stable order (so reports diff cleanly night to night)."""
    unique: dict[str, Finding] = {}
    for check in CHECKS.values():
        for found in check(evidence):
            unique.setdefault(found.fingerprint, found)
    return sorted(unique.values(), key=lambda f: (-f.severity.rank, f.rule_id, f.resource.id, f.key or ""))


assert set(RULES) >= set(CHECKS), "every check belongs to a catalogued rule"
