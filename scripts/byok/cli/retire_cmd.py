"""``byok retire``: retire an old alias-swap generation, one safe stage per run, refusing with reasons."""

from __future__ import annotations

import functools
from datetime import timedelta

import click

from byok.audit.journal import Journal, journal_path
from byok.cli.options import aws_options, config_option, env_option, hsm_options, open_hsm
from byok.files import check_writable, write_atomically
from byok.kms.client import KmsClient
from byok.policy import load_policy
from byok.references import state_references
from byok.render import render_tfvars
from byok.retire import Phase, Retirement, RetirementRefused, retired
from byok.rotation.journaling import RunJournal
from byok.terraform.engine import engine_from_env
from byok.terraform.workspace import Workspace


def _terraform_references(policy, environment, endpoint_url):
    """Resources in the environment's Terraform state that still name the key (aliases excluded).

    The state is read on first use only: a retirement refused for another reason never waits for Terraform."""
    state = functools.cache(lambda: Workspace(policy.terraform_dir, engine_from_env(), endpoint_url).state(environment))
    return lambda key: [f"terraform/{environment}: {address}" for address in state_references(state(), key.key_id)]


@click.command()
@env_option
@config_option
@click.option("--key", "key_name", required=True, help="Key name in the tfvars.")
@click.option("--generation", type=click.IntRange(min=1), required=True, help="The retiring generation.")
@click.option(
    "--grace-days",
    type=click.IntRange(1, 3650),
    default=30,
    show_default=True,
    help="No use within this many days before deleting material, and this long before deletion.",
)
@click.option("--confirm", "confirmed_label", help="Last stage only: the HSM label to destroy, typed out in full.")
@click.option("--dry-run", is_flag=True, help="Say which stage is next and whether it is allowed; change nothing.")
@hsm_options
@aws_options
def retire(
    environment,
    config_path,
    key_name,
    generation,
    grace_days,
    confirmed_label,
    dry_run,
    hsm_settings,
    aws,
) -> None:
    """Delete the material (reversible), then drop the generation (Terraform schedules deletion), then destroy
    the HSM copy. Each run does the next stage only if it is safe, and says why not otherwise."""
    policy = load_policy(config_path)
    tfvars = policy.tfvars_path(environment)
    state = policy.read_state(environment)
    kms = KmsClient(aws)
    retirement = Retirement(
        kms,
        _terraform_references(policy, environment, aws.endpoint_url),
        journal_path(policy.state_dir),
        kms.server_time(),  # grace periods on KMS's clock, which reports the last use (the sandbox's can be moved)
        timedelta(days=grace_days),
    )
    decision = retirement.decide(state, key_name, generation)
    if decision.phase == Phase.DESTROY_HSM_MATERIAL:
        _destroy_hsm_copy(
            retirement,
            environment,
            key_name,
            generation,
            confirmed_label,
            dry_run,
            hsm_settings,
            policy,
        )
        return
    if not decision.allowed:
        raise RetirementRefused(
            f"{decision.phase.value} of {key_name} g{generation} refused: " + "; ".join(decision.reasons),
            "nothing was changed",
        )
    click.echo(f"next stage for {key_name} g{generation}: {decision.phase.value} ({decision.kms_key.arn})")
    if dry_run:
        click.echo("dry run: nothing changed")
        return
    check_writable(tfvars, "tfvars")  # before KMS deletes anything: the record must be writable
    journal = RunJournal(Journal.open(journal_path(policy.state_dir)), "retire", environment)
    with journal.run():
        if decision.phase == Phase.DELETE_MATERIAL:
            kms.delete_material(decision.kms_key.arn)
            journal.steps(decision.kms_key.arn, generation)(
                "delete",
                {"detail": "imported material deleted; the HSM copy remains (byok material renew restores it)"},
            )
        write_atomically(tfvars, render_tfvars(retired(state, decision)))
        journal.steps(decision.kms_key.arn, generation)(
            "record", {"detail": f"{decision.phase.value} in {tfvars.name}"}
        )
    if decision.phase == Phase.DROP_FROM_TFVARS:
        click.echo(f"wrote {tfvars}: merge it and `terraform apply` schedules the key's deletion (30-day window)")
    else:
        click.echo(f"material deleted; {key_name} g{generation} is retired in {tfvars}")


def _destroy_hsm_copy(retirement, environment, key_name, generation, confirmed_label, dry_run, settings, policy):
    prefix = f"byok/{environment}/{key_name}/g{generation}/"
    with open_hsm(settings) as token:
        labels = [m.label for m in token.list_materials(prefix)]
        if not labels:
            click.echo(f"the HSM holds nothing under {prefix}: {key_name} g{generation} is fully retired")
            return
        for label in labels:
            blocked = retirement.kms_still_holds(label)
            if blocked:
                raise RetirementRefused(blocked, "nothing was destroyed")
            if confirmed_label != label:
                raise RetirementRefused(
                    f"destroying {label} is irreversible: nothing else holds this material",
                    f"re-run with --confirm {label}",
                )
            if dry_run:
                click.echo(f"dry run: would destroy {label}")
                continue
            token.destroy_material(label)
            journal = RunJournal(Journal.open(journal_path(policy.state_dir)), "retire", environment)
            with journal.run():
                journal.steps(label.rsplit("/", 1)[-1], generation)("destroy", {"detail": "HSM copy destroyed"})
            click.echo(f"destroyed {label}")
