"""Which keys are due, and the dev -> int -> prod gate."""

from datetime import date

import pytest

from byok.estate import EnvironmentState, Generation, GenerationState, ManagedKey
from byok.model import Strategy
from byok.render.pr import render_pr_description
from byok.rotation.planner import EnvironmentBlocked, propose

TODAY = date(2026, 11, 28)


def key(name: str, created: date, *, pending: bool = False, strategy=Strategy.IN_PLACE, max_age=365) -> ManagedKey:
    generations = [Generation(1, GenerationState.ACTIVE, created, "a" * 64, "1a2b3c")]
    if pending:
        generations.append(Generation(2, GenerationState.PENDING, TODAY))
    return ManagedKey(name, f"dev-{name}", strategy, max_age, "", tuple(generations))


def env(name: str, *keys: ManagedKey) -> EnvironmentState:
    return EnvironmentState(name, keys)


def test_overdue_and_horizon_keys_are_proposed_fresh_ones_are_not():
    state = env(
        "dev",
        key("old", date(2025, 11, 1)),
        key("soon", date(2025, 12, 10)),
        key("fresh", date(2026, 11, 1)),
    )
    proposal = propose(state, TODAY, lead_days=30)
    reasons = {due.key.name: due.reason for due in proposal.due}
    assert set(reasons) == {"old", "soon"}
    assert reasons["old"].startswith("overdue since 2026-11-01")
    assert "within the 30-day horizon" in reasons["soon"]
    assert proposal.after.key("old").pending == Generation(2, GenerationState.PENDING, TODAY)
    assert proposal.after.key("fresh") == state.key("fresh")


def test_a_key_in_flight_is_not_proposed_twice():
    proposal = propose(env("dev", key("old", date(2020, 1, 1), pending=True)), TODAY, 30)
    assert proposal.due == () and proposal.in_flight == ("old",)
    assert not proposal.changes


def test_forced_key_is_proposed_even_when_young():
    proposal = propose(env("dev", key("fresh", date(2026, 11, 1))), TODAY, 30, force_keys=("fresh",))
    assert [d.reason for d in proposal.due] == ["requested"]


def test_unknown_forced_key_fails_before_deciding():
    with pytest.raises(Exception, match="no key named 'nope'"):
        propose(env("dev", key("fresh", TODAY)), TODAY, 30, force_keys=("nope",))


def test_prod_is_blocked_while_int_has_a_rotation_in_flight():
    int_state = env("int", key("s3", date(2026, 1, 1), pending=True))
    with pytest.raises(EnvironmentBlocked, match="int still has rotations in flight \\(s3\\)"):
        propose(env("prod", key("s3", date(2020, 1, 1))), TODAY, 30, previous=int_state)


def test_pr_description_lists_keys_strategy_checks_and_rollback():
    state = env("dev", key("s3", date(2020, 1, 1)), key("rds", date(2020, 1, 1), strategy=Strategy.ALIAS_SWAP))
    text = render_pr_description(propose(state, TODAY, 30), TODAY)
    assert "| s3 | `alias/dev-s3` | in-place | 1 -> 2 |" in text
    assert "| rds | `alias/dev-rds` | alias-swap | 1 -> 2 |" in text
    assert "new `aws_kms_external_key` for generation 2" in text
    assert "Checkov" in text and "### Rollback" in text


def test_a_key_whose_rotation_budget_is_spent_is_proposed_as_an_alias_swap_to_a_new_key():
    state = env("dev", key("spent", date(2020, 1, 1)), key("fine", date(2020, 1, 1)))
    proposal = propose(state, TODAY, 30, rotations_used={"spent": 25, "fine": 3})
    due = {d.key.name: d for d in proposal.due}
    assert due["spent"].strategy == Strategy.ALIAS_SWAP and due["spent"].budget_left == 25  # the new key's
    assert "rotation budget spent (25 of 25): alias swap to a new key" in due["spent"].reason
    assert due["fine"].strategy == Strategy.IN_PLACE and due["fine"].budget_left == 21
    spent = proposal.after.key("spent")
    assert spent.strategy == Strategy.IN_PLACE  # the key keeps its strategy; only this generation is a new key
    assert spent.pending.strategy == Strategy.ALIAS_SWAP and spent.strategy_of(spent.pending) == Strategy.ALIAS_SWAP
    assert proposal.after.key("fine").pending.strategy is None
    text = render_pr_description(proposal, TODAY)
    assert "| spent | `alias/dev-spent` | alias-swap | 1 -> 2 | 25 of 25 |" in text
    assert "| fine | `alias/dev-fine` | in-place | 1 -> 2 | 21 of 25 |" in text
    assert "new `aws_kms_external_key` for generation 2 with alias `alias/dev-spent-g2`" in text


def test_a_proposal_warns_when_it_leaves_a_key_fewer_rotations_than_configured():
    state = env("dev", key("low", date(2020, 1, 1)), key("fine", date(2020, 1, 1)))
    proposal = propose(state, TODAY, 30, rotations_used={"low": 21, "fine": 10}, budget_warning=5)
    assert proposal.warnings == (
        "low has 3 of 25 on-demand rotations left after this one; "
        "when none are left byok proposes an alias swap to a new key",
    )
    assert "**Rotation budget**" in render_pr_description(proposal, TODAY)
    assert propose(state, TODAY, 30, rotations_used={"low": 21}, budget_warning=3).warnings == ()


def test_a_first_material_spends_no_rotation_and_alias_swap_keys_have_no_budget():
    first = ManagedKey("new", "dev-new", Strategy.IN_PLACE, 365, "", (Generation(1, GenerationState.ACTIVE, TODAY),))
    swap = key("swap", date(2020, 1, 1), strategy=Strategy.ALIAS_SWAP)
    proposal = propose(env("dev", first, swap), TODAY, 30, force_keys=("new",), rotations_used={"new": 25})
    assert {d.key.name: (d.strategy, d.budget_left) for d in proposal.due} == {
        "new": (Strategy.IN_PLACE, None),
        "swap": (Strategy.ALIAS_SWAP, None),
    }


def test_a_proposal_made_offline_says_the_budget_was_not_checked():
    state = env("dev", key("s3", date(2020, 1, 1)))
    offline = render_pr_description(propose(state, TODAY, 30), TODAY)
    assert "was not read from KMS (`--offline`)" in offline
    checked = render_pr_description(propose(state, TODAY, 30, rotations_used={"s3": 1}), TODAY)
    assert "--offline" not in checked
