"""Recognise KMS key identifiers inside attribute values, in every spelling AWS accepts.

A service takes a key ID, key ARN, alias name or alias ARN and reports back the resolved key ARN, so raw
string comparison misses most matches. Both the literal-key check and the retired-key check reduce a
value to the same tokens: ``key:<id>`` for a key ID (bare or inside a key ARN) and ``alias:<name>`` for an
alias (bare name or inside an alias ARN). Tokens are case-folded: a retired-key match errs towards a
false alarm, never towards a miss.
"""

from __future__ import annotations

import re

_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_KEY_TOKEN = re.compile(rf"(?<![0-9a-z-])({_KEY_ID})(?![0-9a-z-])", re.IGNORECASE)
_ALIAS_TOKEN = re.compile(r"(?<![\w/.-])alias/([\w/-]+)")
# What only a hand-written identifier contains: a KMS ARN prefix, an alias path, or a key ID.
_LITERAL = re.compile(rf"arn:aws[\w-]*:kms:|(?<![\w/.-])alias/|{_KEY_ID}", re.IGNORECASE)
# Checkov keeps unresolved parts of a string template as ``${...}``: they are references, not literals.
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")


def key_tokens(text: str) -> frozenset[str]:
    """Every key and alias that ``text`` names, as normalised tokens."""
    keys = {f"key:{match.lower()}" for match in _KEY_TOKEN.findall(text)}
    aliases = {f"alias:{match.lower()}" for match in _ALIAS_TOKEN.findall(text)}
    return frozenset(keys | aliases)


def is_literal_key(text: str) -> bool:
    """True when the value names a key by hand-written text rather than through a Terraform reference.

    Checkov presents an unresolved reference as its bare address (``aws_kms_key.main.arn``,
    ``data.aws_kms_alias.main.target_key_arn``, ``var.key_arn``) and a resolved one as the value it
    resolved to, so a variable fed from tfvars with an ARN is a literal here, as it should be.
    """
    return _LITERAL.search(_INTERPOLATION.sub(" ", text)) is not None
