"""The endpoint's shortcuts through moto's per-request work change no answer."""

from __future__ import annotations

import os

import moto
from moto import backends
from moto.core import utils

from byok.sandbox import request_cost
from byok.sandbox.server import LocalEndpoint


def test_the_dispatchers_module_listing_is_the_package_directory(sandbox: LocalEndpoint) -> None:
    root = os.path.dirname(moto.__file__)
    on_disk = {n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n)) and not n.startswith("__")}
    assert set(backends.list_of_moto_modules()) == on_disk
    assert {"kms", "sqs", "ec2"} <= on_disk


def test_memoised_conversion_answers_as_moto_does(sandbox: LocalEndpoint) -> None:
    from moto.sqs import models as sqs_models

    names = ["KmsMasterKeyId", "QueueArn", "ApproximateNumberOfMessages", "SSEType", "", "ID", "aB", "Policy x"]
    original = request_cost._ORIGINAL_CONVERSION
    assert [request_cost.camelcase_to_underscores(n) for n in names] == [original(n) for n in names]
    assert utils.camelcase_to_underscores is request_cost.camelcase_to_underscores
    assert sqs_models.camelcase_to_underscores is request_cost.camelcase_to_underscores


def test_sqs_attributes_through_the_endpoint_are_unchanged(sandbox: LocalEndpoint) -> None:
    from support.sandbox import client

    sqs = client(sandbox, "sqs")
    url = sqs.create_queue(QueueName="cost", Attributes={"KmsMasterKeyId": "alias/aws/sqs"})["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == "alias/aws/sqs"
    assert attributes["QueueArn"].endswith(":cost")
    sqs.delete_queue(QueueUrl=url)
