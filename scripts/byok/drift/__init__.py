"""The drift checker: what does not match the intended key state, and what still references old keys.

Sources (``sources``: code, plan, live) yield facts; ``evidence`` indexes them with the intent (the
rendered tfvars); ``rules`` turn evidence into findings with stable IDs (catalogue in ``findings``);
``byok.report`` renders a :class:`DriftResult` in each output format.
"""

from byok.drift.engine import DriftResult, KeySummary, scan
from byok.drift.facts import FactSource
from byok.drift.findings import RULES, Finding, Resource, Severity
from byok.drift.intent import Intent, load_intent

__all__ = [
    "RULES",
    "DriftResult",
    "FactSource",
    "Finding",
    "Intent",
    "KeySummary",
    "Resource",
    "Severity",
    "load_intent",
    "scan",
]
