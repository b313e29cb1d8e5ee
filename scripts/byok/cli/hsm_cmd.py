"""``byok hsm``: what the token is and how byok would wrap with it; the security officer's approval step."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import click

from byok.approval_sweep import journal_destroyed, supersede, sweep_stale
from byok.audit.journal import Journal, journal_path
from byok.cli.options import config_option, emit, hsm_options, open_hsm, output_option
from byok.config import HsmSettings, read_so_pin
from byok.errors import ConfigError, UsageError
from byok.hsm.approvals import ApprovalState, TrustedObject
from byok.hsm.backend import HsmBackend
from byok.hsm.trusted import fingerprint
from byok.output import Column, Listing, identifier
from byok.pending_imports import PendingImports
from byok.policy import EstatePolicy, load_policy


@click.group()
def hsm() -> None:
    """Inspect the HSM token."""


@hsm.command()
@hsm_options
@output_option
def probe(hsm_settings, output_format) -> None:
    """Show the token, its mechanisms, the wrapping algorithm byok would use, and what it refused.

    Everything is tried on session keys the token generates itself: nothing persistent, nothing in plaintext.
    The PIN comes from BYOK_HSM_PIN or the file named by BYOK_HSM_PIN_FILE.
    """
    with open_hsm(hsm_settings) as token:
        info = token.token_info()
        capabilities = token.wrapping_capabilities()
        choice = token.choose_algorithm(hsm_settings.forced_algorithm)
        trusted = token.trusted_support()
        check_values = token.has_check_values()
    facts: list[tuple[Column | str, object]] = [
        (identifier("token"), info.label),
        ("manufacturer", info.manufacturer),
        ("model", info.model),
        (identifier("serial"), info.serial),
        (identifier("library"), hsm_settings.module),
        (Column("algorithms", "wrapping algorithms the token can do"), [a.value for a in capabilities]),
        (Column("algorithm", "algorithm byok will use"), choice.algorithm.value),
        (Column("reason", "why"), choice.reason),
        ("downgraded", choice.downgraded),
        (Column("check_values", "key check values (CKA_CHECK_VALUE)"), check_values),
        (Column("trusted_wrapping", "trusted wrapping (key-ceremony mode)"), trusted.available),
        (Column("trusted_wrapping_detail", "trusted wrapping detail"), trusted.detail),
        (
            Column("trusted_wrapping_refused", "attributes the token refused"),
            [f"{n}: {c}" for n, c in trusted.refused.items()],
        ),
        ("mechanisms", sorted(info.mechanisms)),
    ]
    notes = [f"WARNING: weaker than {choice.strongest_known.value}: {choice.reason}"] if choice.downgraded else []
    if not check_values:
        notes.append("no CKA_CHECK_VALUE: the audit trail identifies material by KeyMaterialId + HSM label")
    emit(Listing("hsm_probe", "HSM probe", [], [], notes, facts), output_format)


@hsm.command("approve-wrapping-key")
@click.option("--key", "key_ref", required=True, help="Key ARN or ID whose import waits for approval.")
@click.option(
    "--fingerprint",
    "expected",
    required=True,
    help="SHA-256 of the wrapping public key, as the import printed it: it must match what is pending.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be approved; create nothing.")
@config_option
@hsm_options
@output_option
def approve_wrapping_key(key_ref, expected, dry_run, config_path, hsm_settings, output_format) -> None:
    """Security officer: make the KMS wrapping key of a pending import trusted (key-ceremony mode).

    The SO PIN comes only from the file named by BYOK_HSM_SO_PIN_FILE. Creates a trusted public-key object
    (and, for RSA_AES algorithms, a trusted ephemeral AES key) whose CKA_ID names the key and the import
    token's expiry; the import destroys them once it is done. Approvals that expired, and this key's earlier
    approvals of other wrapping keys, are destroyed first (journaled).
    """
    estate = estate_for(config_path)
    waiting = PendingImports(estate.state_dir).load(key_ref)
    if waiting is None:
        raise ConfigError(
            f"no import of {key_ref} waits for approval (or its parameters expired after 24 h)",
            "the key's owner runs `byok material import` (or `rotate apply`) first; it prints the fingerprint",
        )
    params = waiting.params
    actual = fingerprint(params.public_key_der)
    facts: list[tuple[Column | str, object]] = [
        (identifier("key_arn", "key"), params.key_arn),
        (identifier("label", "hsm material"), waiting.label),
        (Column("algorithm", "wrapping algorithm"), params.algorithm.value),
        (Column("wrapping_key_spec", "wrapping key spec"), params.wrapping_key_spec.value),
        (identifier("fingerprint", "wrapping key SHA-256"), actual),
        (Column("valid_to", "valid until"), params.valid_to),
        ("approved", not dry_run),
    ]
    if expected.strip().lower() != actual:
        raise ConfigError(
            f"the fingerprint given ({expected}) is not the pending wrapping key's ({actual}) for {params.key_arn}",
            "do not approve: ask the key's owner for the fingerprint their import printed and compare again",
        )
    if not dry_run:
        from byok.hsm.pkcs11 import Pkcs11Hsm

        journal = Journal.open(journal_path(estate.state_dir))
        with Pkcs11Hsm.open_as_security_officer(hsm_settings, read_so_pin()) as officer:
            sweep_stale(officer, journal, "found by hsm approve-wrapping-key")
            now = datetime.now(UTC)
            replaced = supersede(officer, params.key_arn, actual)
            journal_destroyed(journal, replaced, now, f"superseded by the approval of SHA-256 {actual[:24]}")
            officer.approve_wrapping_key(params)
        journal.append(
            "wrapping-key-approved",
            key=params.key_arn,
            algorithm=params.algorithm.value,
            detail=f"SHA-256 {actual[:24]} ({params.wrapping_key_spec.value}) approved by the security officer",
        )
    title = "wrapping key " + ("to approve (dry run)" if dry_run else "approved: re-run the import")
    emit(Listing("hsm_approval", title, [], [], [], facts), output_format)


def estate_for(config_path: Path) -> EstatePolicy:
    """The estate's settings; HSM and material commands also run without a byok.toml, with defaults beside it."""
    if config_path.exists():
        return load_policy(config_path)
    return EstatePolicy(environments=(), state_dir=config_path.parent / ".byok")


@hsm.command()
@click.option("--prune", is_flag=True, help="Destroy expired and orphan approvals (never objects byok did not make).")
@click.option("--dry-run", is_flag=True, help="With --prune: show what would be destroyed; destroy nothing.")
@click.option(
    "--as-officer",
    is_flag=True,
    help="Open a security officer session (BYOK_HSM_SO_PIN_FILE), for tokens where only the SO destroys trusted keys.",
)
@config_option
@hsm_options
@output_option
def approvals(prune, dry_run, as_officer, config_path, hsm_settings, output_format) -> None:
    """List every trusted wrapping object on the token: whose approval it is, until when, and its state.

    States: usable (an import can still use it), expired (its import token's 24 h are over), orphan (made by
    byok but without attribution), unknown-origin (not made by byok: listed, never destroyed). Every run of
    `material import`, `rotate apply` and `hsm approve-wrapping-key` destroys expired and orphan approvals;
    --prune does it now. Destructions are journaled. SoftHSM2 lets the user session destroy them; --as-officer
    uses the SO session instead.
    """
    if dry_run and not prune:
        raise UsageError("--dry-run applies to --prune", "add --prune, or leave --dry-run out to list only")
    now = datetime.now(UTC)
    with _session(hsm_settings, as_officer) as token:
        found = token.trusted_objects()
        destroyed = []
        if prune and not dry_run:
            journal = Journal.open(journal_path(estate_for(config_path).state_dir))
            destroyed = sweep_stale(token, journal, "pruned by hsm approvals --prune", now)
    rows = [_approval_row(item, now, prune, dry_run) for item in found]
    columns: list[Column | str] = [
        identifier("label"),
        "kind",
        identifier("key_arn", "key"),
        identifier("fingerprint", "wrapping key SHA-256"),
        Column("valid_to", "valid until"),
        "state",
        "action",
    ]
    facts: list[tuple[Column | str, object]] = [
        (identifier("token"), hsm_settings.token_label),
        ("destroyed", len(destroyed)),
        ("dry_run", dry_run),
    ]
    notes = []
    if any(item.state(now) is ApprovalState.UNKNOWN_ORIGIN for item in found):
        notes.append("unknown-origin objects were not made by byok: review them with the token's own tools")
    title = "trusted wrapping objects" + (" (dry run)" if dry_run else "")
    emit(Listing("hsm_approvals", title, columns, rows, notes, facts), output_format)


def _approval_row(item: TrustedObject, now: datetime, prune: bool, dry_run: bool) -> dict[str, object]:
    state = item.state(now)
    if state is ApprovalState.UNKNOWN_ORIGIN:
        action = "never destroyed (not byok's)"
    elif not item.prunable(now):
        action = "kept"
    elif prune:
        action = "would destroy" if dry_run else "destroyed"
    else:
        action = "prune it (--prune)"
    return {
        "label": item.label,
        "kind": item.kind,
        "key_arn": item.key_arn,
        "fingerprint": item.fingerprint or None,
        "valid_to": item.valid_to,
        "state": state.value,
        "action": action,
    }


def _session(hsm_settings: HsmSettings, as_officer: bool) -> AbstractContextManager[HsmBackend]:
    """The user session by default; the SO session for tokens that let only the SO destroy trusted objects."""
    if not as_officer:
        return open_hsm(hsm_settings)
    from byok.hsm.pkcs11 import Pkcs11Hsm

    return Pkcs11Hsm.open_as_security_officer(hsm_settings, read_so_pin())
