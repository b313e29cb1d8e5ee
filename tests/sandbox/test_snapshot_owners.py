"""DescribeSnapshots honours OwnerIds as EC2 does; moto alone answers every snapshot of the Region."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from byok.sandbox.server import LocalEndpoint
from support.sandbox import client

ACCOUNT = "123456789012"  # moto's account for the "testing" credentials


@pytest.fixture
def ec2(sandbox: LocalEndpoint, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh EC2 with moto's default AMIs, whose snapshots belong to Amazon and other publishers."""
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "true")
    sandbox.reset()
    yield client(sandbox, "ec2")
    sandbox.reset()


def _own_snapshot(ec2: Any) -> str:
    volume = ec2.create_volume(AvailabilityZone="eu-central-1a", Size=1)["VolumeId"]
    return ec2.create_snapshot(VolumeId=volume)["SnapshotId"]


def _ids(ec2: Any, **kwargs: Any) -> set[str]:
    return {
        s["SnapshotId"]
        for page in ec2.get_paginator("describe_snapshots").paginate(**kwargs)
        for s in page["Snapshots"]
    }


def test_self_and_the_account_id_give_only_the_accounts_own_snapshots(ec2: Any) -> None:
    mine = _own_snapshot(ec2)
    everything = _ids(ec2)
    assert mine in everything and len(everything) > 1, "the Region should also hold the default AMIs' snapshots"
    assert _ids(ec2, OwnerIds=["self"]) == {mine}
    assert _ids(ec2, OwnerIds=[ACCOUNT]) == {mine}


def test_amazon_gives_the_snapshots_of_amis_amazon_publishes(ec2: Any) -> None:
    mine = _own_snapshot(ec2)
    amazons = _ids(ec2, OwnerIds=["amazon"])
    assert amazons and mine not in amazons
    published = {
        image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        for image in ec2.describe_images(Owners=["amazon"])["Images"]
        if image.get("BlockDeviceMappings")
    }
    assert amazons == published
    assert _ids(ec2, OwnerIds=["self", "amazon"]) == amazons | {mine}


def test_an_owner_with_no_snapshots_gets_none_and_ids_still_narrow(ec2: Any) -> None:
    mine = _own_snapshot(ec2)
    _own_snapshot(ec2)
    assert _ids(ec2, OwnerIds=["210987654321"]) == set()
    assert _ids(ec2, OwnerIds=["self"], SnapshotIds=[mine]) == {mine}
