"""Peak Python memory of one streaming consumer of the estate, measured in a process of its own.

``python -m support.memory_probe SUBJECT URL REGION [--page N] [--hold]`` consumes inventory entries,
live-scan facts or Config-source facts from the endpoint at URL and prints the item count and tracemalloc's
peak over the first half of the items and over the second half. Warm-up (clients, models, caches) lands in the
first half; a consumer whose memory grows with the estate peaks higher in the second. ``--hold`` keeps every
item, the way a non-streaming consumer would, so a test can show that the measurement sees the difference.
"""

from __future__ import annotations

import gc
import json
import sys
import tracemalloc
from collections.abc import Iterator
from typing import Any

import boto3

from byok.config import AwsSettings
from byok.drift.sources.config import ConfigSource
from byok.drift.sources.live import LiveSource
from byok.inventory import entries
from byok.kms import client as kms_client
from byok.kms.client import KmsClient

LOCAL = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def subject(name: str, url: str, region: str) -> Iterator[Any]:
    session = boto3.session.Session(**LOCAL)
    if name == "inventory":
        return entries([KmsClient(AwsSettings(url, region))])
    if name == "live":
        return LiveSource([region], endpoint_url=url, session=session, collectors=["kms"]).facts()
    return ConfigSource([region], endpoint_url=url, session=session).facts()


def main(argv: list[str]) -> None:
    """``--page N`` lists keys N a page, so that a small estate spans pages as a large one does; ``--items N``
    says how many items to expect, to know where the first half ends."""
    name, url, region = argv[:3]
    if "--page" in argv:
        kms_client.LIST_KEYS_PAGE = int(argv[argv.index("--page") + 1])
    held = [] if "--hold" in argv else None
    total = int(argv[argv.index("--items") + 1])
    gc.set_threshold(100)  # collect cycles often: the peak should measure what is live, not what awaits the collector
    tracemalloc.start()
    halves = []
    for count, item in enumerate(subject(name, url, region), start=1):
        if held is not None:
            held.append(item)
        if count == total // 2:
            halves.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.reset_peak()
    halves.append(tracemalloc.get_traced_memory()[1])
    print(json.dumps({"items": count, "first_half": halves[0], "second_half": halves[-1]}))


if __name__ == "__main__":
    main(sys.argv[1:])
