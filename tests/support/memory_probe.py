"""Peak Python memory of one streaming consumer of the estate, measured in a process of its own.

``python -m support.memory_probe SUBJECT URL REGION [--page N] [--hold]`` consumes inventory entries,
live-scan facts or Config-source facts from the endpoint at URL and prints the item count and tracemalloc's
peak over the first half of the items and over the second half. Warm-up (clients, models, caches) lands in the
first half; a consumer whose memory grows with the estate peaks higher in the second. ``--hold`` keeps every
item, the way a non-streaming consumer would, so a test can show that the measurement sees the difference.

``drift`` runs the whole ``drift live -o json`` path instead: the scan (whose evidence necessarily indexes
every key), then the JSON written piece by piece, and prints what the scan holds and how much higher memory
peaked while rendering. ``--hold`` renders the whole text at once, as before streaming, for the same reason.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tracemalloc
from collections.abc import Iterator
from typing import Any

import boto3

from byok.config import AwsSettings
from byok.drift.engine import scan
from byok.drift.intent import Intent
from byok.drift.sources.config import ConfigSource
from byok.drift.sources.live import LiveSource
from byok.inventory import entries
from byok.kms import client as kms_client
from byok.kms.client import KmsClient
from byok.report import FORMATS, ReportOptions, chunks

LOCAL = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def subject(name: str, url: str, region: str) -> Iterator[Any]:
    session = boto3.session.Session(**LOCAL)
    if name == "inventory":
        return entries([KmsClient(AwsSettings(url, region))])
    if name == "live":
        return LiveSource([region], endpoint_url=url, session=session, collectors=["kms"]).facts()
    return ConfigSource([region], endpoint_url=url, session=session).facts()


def drift(url: str, region: str, whole: bool) -> dict[str, int]:
    """Scan the estate, then render its JSON to nowhere: what the scan holds, and what rendering adds on top."""
    session = boto3.session.Session(**LOCAL)
    source = LiveSource([region], endpoint_url=url, session=session, collectors=["kms"])
    tracemalloc.start()
    result = scan([source], Intent())
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    options = ReportOptions(fail_on=None)
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for piece in [FORMATS["json"](result, options)] if whole else chunks("json", result, options):
            sink.write(piece)
    return {"items": len(result.keys), "held": held, "rendering": tracemalloc.get_traced_memory()[1] - held}


def main(argv: list[str]) -> None:
    """``--page N`` lists keys N a page, so that a small estate spans pages as a large one does; ``--items N``
    says how many items to expect, to know where the first half ends."""
    name, url, region = argv[:3]
    if "--page" in argv:
        kms_client.LIST_KEYS_PAGE = int(argv[argv.index("--page") + 1])
    if name == "drift":
        print(json.dumps(drift(url, region, whole="--hold" in argv)))
        return
    held = [] if "--hold" in argv else None
    total = int(argv[argv.index("--items") + 1])
    gc.set_threshold(100)  # collect cycles often: the peak should measure what is live, not what awaits the collector
    tracemalloc.start()
    halves = []
    for count, item in enumerate(subject(name, url, region), start=1):
        if held is not None:
            held.append(item)
        if count in (total // 2, total):  # the last item, not the source's teardown after it (threads joined)
            halves.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.reset_peak()
    if len(halves) < 2:
        halves.append(tracemalloc.get_traced_memory()[1])
    print(json.dumps({"items": count, "first_half": halves[0], "second_half": halves[-1]}))


if __name__ == "__main__":
    main(sys.argv[1:])
