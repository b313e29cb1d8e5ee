"""``byok demo``: the GitOps rotation story on the embedded default, ending with a before/after table."""

from __future__ import annotations

import time
from pathlib import Path

import click

from byok.cli.options import emit, output_option
from byok.errors import ByokError
from byok.output import Listing


@click.command()
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".work/demo"),
    show_default=True,
    help="SoftHSM2 token, secrets (0600 files) and the estate copy; recreated on each run.",
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The checkout whose terraform/, modules/ and byok.toml the demo copies.",
)
@output_option
def demo(work_dir: Path, repo: Path, output_format: str) -> None:
    """Apply the estate with Terraform, propose, check, merge, rotate both strategies, and prove nothing broke."""
    from byok.demo import GitOpsDemo

    started = time.monotonic()
    report = GitOpsDemo(
        work_dir, repo, say=lambda line: click.echo(f"[{time.monotonic() - started:5.1f}s] {line}", err=True)
    ).run()
    rows = [
        {
            "key": f"dev/{story.name}",
            "strategy": story.strategy,
            "generation": f"g{story.generation_before} -> g{story.generation_after}",
            "key id": story.key_before[:8]
            + (" (same)" if story.key_after == story.key_before else f" -> {story.key_after[:8]}"),
            "material": f"{story.material_before[:8]} -> {story.material_after[:8]}",
            "old data decrypts with": (story.old_ciphertext_material or "?")[:8],
            "new data uses": (story.new_ciphertext_material or "?")[:8],
            "result": "ok" if story.ok else "FAILED",
        }
        for story in report.keys
    ]
    notes = [
        f"PR plan: {report.plan_summary}; byok policies on the plan: {report.checkov_summary}",
        f"second `rotate apply`: {report.second_apply}",
        f"{sum(s.ok for s in report.keys)}/{len(report.keys)} keys rotated and verified in "
        f"{time.monotonic() - started:.0f} s",
    ]
    emit(Listing("byok demo: dev rotated by pull request", list(rows[0]), rows, notes), output_format)
    if not all(story.ok for story in report.keys) or report.second_apply != "idempotent":
        raise ByokError("the demo found a rotation that did not verify", "see the table above")
