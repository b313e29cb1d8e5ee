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
