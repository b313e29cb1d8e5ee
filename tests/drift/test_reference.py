"""Key references: the four spellings of a key, per account and region, and aliases followed to keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byok.drift.reference import KeyReference, KeyResolver, ReferenceKind, ResolvedKey

KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
MRK = "mrk-1234abcd12ab34cd56ef1234567890ab"


@pytest.mark.parametrize(
    ("text", "kind", "name", "account", "region"),
    [
        (KEY, ReferenceKind.KEY_ID, KEY, None, None),
        (KEY.upper(), ReferenceKind.KEY_ID, KEY, None, None),
        (
            f"arn:aws:kms:eu-central-1:111122223333:key/{KEY}",
            ReferenceKind.KEY_ARN,
            KEY,
            "111122223333",
            "eu-central-1",
        ),
        ("alias/prod-rds", ReferenceKind.ALIAS_NAME, "alias/prod-rds", None, None),
        (
            "arn:aws:kms:eu-west-1:111122223333:alias/prod-rds",
            ReferenceKind.ALIAS_ARN,
            "alias/prod-rds",
            "111122223333",
            "eu-west-1",
        ),
        (MRK, ReferenceKind.KEY_ID, MRK, None, None),
        (
            f"arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/{MRK}",
            ReferenceKind.KEY_ARN,
            MRK,
            "111122223333",
            "us-gov-west-1",
        ),
    ],
)
def test_every_spelling_parses(text, kind, name, account, region):
    reference = KeyReference.parse(text)
    assert reference is not None
    assert (reference.kind, reference.name, reference.account, reference.region) == (kind, name, account, region)


@pytest.mark.parametrize("text", ["", "alias/", "arn:aws:s3:::bucket", "1234", "${aws_kms_key.x.arn}", "key/" + KEY])
def test_non_references_do_not_parse(text):
    assert KeyReference.parse(text) is None


def test_context_fills_what_the_text_omits_and_builds_the_arn():
    reference = KeyReference.parse("alias/dev-app-g2", "111122223333", "eu-central-1")
    assert reference.arn == "arn:aws:kms:eu-central-1:111122223333:alias/dev-app-g2"
    assert reference.generation_alias == ("dev-app", 2)
    assert KeyReference.parse("alias/dev-app").generation_alias is None
    assert KeyReference.parse(MRK).is_multi_region


def resolver() -> KeyResolver:
    resolver = KeyResolver()
    for region in ("eu-central-1", "eu-west-1"):
        resolver.add_key("111122223333", region, MRK)  # a multi-Region key and its replica share the ID
        resolver.add_alias("111122223333", region, "alias/app", MRK)
    resolver.add_key("111122223333", "eu-central-1", KEY)
    resolver.add_alias("111122223333", "eu-central-1", "alias/other", KEY)
    return resolver


def test_alias_name_alias_arn_key_id_and_key_arn_resolve_to_one_key():
    expected = ResolvedKey("111122223333", "eu-central-1", KEY)
    spellings = [
        KeyReference.parse("alias/other", "111122223333", "eu-central-1"),
        KeyReference.parse("arn:aws:kms:eu-central-1:111122223333:alias/other"),
        KeyReference.parse(KEY, "111122223333", "eu-central-1"),
        KeyReference.parse(f"arn:aws:kms:eu-central-1:111122223333:key/{KEY}"),
        KeyReference.parse("alias/other"),  # no context, but only one key has this alias
    ]
    assert {resolver().resolve(s) for s in spellings} == {expected}


def test_multi_region_references_resolve_per_region_and_refuse_to_guess_without_one():
    resolved = resolver().resolve(KeyReference.parse("alias/app", "111122223333", "eu-west-1"))
    assert resolved == ResolvedKey("111122223333", "eu-west-1", MRK)
    assert resolver().resolve(KeyReference.parse(MRK)) is None  # two replicas: ambiguous
    assert resolver().resolve(KeyReference.parse("alias/app", "999999999999", "eu-west-1")) is None


@given(st.uuids(), st.sampled_from(["eu-central-1", "us-east-1"]), st.from_regex(r"\d{12}", fullmatch=True))
def test_an_arn_round_trips(key_id, region, account):
    arn = f"arn:aws:kms:{region}:{account}:key/{key_id}"
    assert KeyReference.parse(arn).arn == arn
