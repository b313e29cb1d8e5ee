"""Run every parametrised case on SoftHSM2 and a representative sample of them on opencryptoki.

opencryptoki's tests run in a serial pass (one token and one pkcsslotd per machine), so each of its cases adds
its full time to ``make test``. Where a module has many cases of one kind (a crash at every step boundary), the
cases left out of the sample carry ``softhsm_only`` and say so in their id; tests/conftest.py drops their
opencryptoki item from the run (deselected, not skipped: nothing is missing on that token).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from _pytest.mark import ParameterSet

WHY = "sampled for suite time"


def sampled(cases: Sequence[tuple], ids: Sequence[str], on_both: set[str]) -> list[ParameterSet]:
    """Every case; those whose id is not in ``on_both`` run on SoftHSM2 only, with the reason in their id."""
    unknown = on_both - set(ids)
    if unknown:
        raise ValueError(f"sample names cases that do not exist: {sorted(unknown)}")
    suffix = "-softhsm2-only-" + re.sub(r"[^a-z0-9]+", "-", WHY)
    return [
        pytest.param(*case, id=case_id)
        if case_id in on_both
        else pytest.param(*case, id=case_id + suffix, marks=pytest.mark.softhsm_only(WHY))
        for case, case_id in zip(cases, ids, strict=True)
    ]
