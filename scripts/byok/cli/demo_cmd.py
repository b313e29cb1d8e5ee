"""``byok demo``: the GitOps rotation story on the embedded default, ending with a before/after table."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from byok.cli.options import emit, output_option
from byok.errors import ByokError
from byok.output import Column, Listing, identifier, optional

if TYPE_CHECKING:
    from byok.demo import KeyStory

DEMO_COLUMNS: list[Column | str] = [
    "key",
    optional("strategy"),
    Column("generation_before", "gen before"),
    Column("generation_after", "gen after"),
    identifier("key_id_before", "key id before"),
    identifier("key_id_after", "key id after"),
    identifier("material_before", "material before"),
    identifier("material_after", "material after"),
    identifier("old_data_material", "old data decrypts with"),
    identifier("new_data_material", "new data uses"),
    "ok",
]


def story_row(story: KeyStory) -> dict[str, object]:
    """One dev key before and after, every ID whole (the table shows them as records when they do not fit)."""
    return {
        "key": f"dev/{story.name}",
        "strategy": story.strategy,
        "generation_before": story.generation_before,
        "generation_after": story.generation_after,
        "key_id_before": story.key_before,
        "key_id_after": story.key_after,
        "material_before": story.material_before,
        "material_after": story.material_after,
        "old_data_material": story.old_ciphertext_material,
        "new_data_material": story.new_ciphertext_material,
        "ok": story.ok,
    }


@click.command()
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".work/demo"),
    show_default=True,
    help="SoftHSM2 token (unless --external-token), secrets (0600 files) and the estate copy; recreated on each run.",
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The checkout whose terraform/, modules/ and byok.toml the demo copies.",
)
@click.option(
    "--external-token",
    is_flag=True,
    help="Run on the token named by BYOK_PKCS11_MODULE, BYOK_TOKEN_LABEL and BYOK_HSM_PIN_FILE instead of a "
    "SoftHSM2 token of its own (the demo generates 16 materials on it and leaves them there).",
)
@output_option
def demo(work_dir: Path, repo: Path, external_token: bool, output_format: str) -> None:
    """Apply the estate with Terraform, propose, check, merge, rotate both strategies, and prove nothing broke."""
    from byok import demo as story

    token = story.external_token() if external_token else None
    started = time.monotonic()
    report = story.GitOpsDemo(
        work_dir,
        repo,
        say=lambda line: click.echo(f"[{time.monotonic() - started:5.1f}s] {line}", err=True),
        token=token,
    ).run()
    rows = [story_row(story) for story in report.keys]
    notes = [
        f"PR plan: {report.plan_summary}; byok policies on the plan: {report.checkov_summary}",
        f"second `rotate apply`: {report.second_apply}",
        f"{sum(s.ok for s in report.keys)}/{len(report.keys)} keys rotated and verified in "
        f"{time.monotonic() - started:.0f} s",
    ]
    emit(Listing("demo", "byok demo: dev rotated by pull request", DEMO_COLUMNS, rows, notes), output_format)
    if not all(story.ok for story in report.keys) or report.second_apply != "idempotent":
        raise ByokError("the demo found a rotation that did not verify", "see the table above")
