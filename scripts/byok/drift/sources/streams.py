"""Concurrency for fact sources that keep memory flat: work in a pool and producers in threads, both bounded.

A source that streams must never let a fast producer run ahead of its consumer: :func:`bounded` keeps at most
``window`` calls in flight and yields their results in order; :func:`merged` runs independent producers (the
Config source's queries, each paging through its own chain of NextTokens, and its API fallback) side by side
and hands their items over through a queue of at most ``window`` items.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
_ITEM, _FAILED, _DONE = "item", "failed", "done"


def bounded(pool: ThreadPoolExecutor, work: Callable[[T], Iterable[R]], items: Iterable[T], window: int) -> Iterator[R]:
    """``work`` over ``items`` in the pool, at most ``window`` at a time, results in order: flat memory."""
    running: deque[Future] = deque()
    for entry in items:
        running.append(pool.submit(work, entry))
        if len(running) >= window:
            yield from running.popleft().result()
    while running:
        yield from running.popleft().result()


def merged(producers: Sequence[Callable[[], Iterable[T]]], window: int) -> Iterator[T]:
    """Every producer in a thread of its own, items yielded as they come; a producer's exception is raised here.

    A producer waits while ``window`` items are queued. When the consumer stops early (an exception, or it
    closes the generator), the producers stop at their next item and are joined before this returns.
    """
    handed: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=window)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                handed.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce(producer: Callable[[], Iterable[T]]) -> None:
        try:
            for item in producer():
                if not put(_ITEM, item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            put(_FAILED, exc)
        finally:
            put(_DONE, None)

    threads = [threading.Thread(target=produce, args=(p,), name="byok-producer", daemon=True) for p in producers]
    for thread in threads:
        thread.start()
    remaining = len(threads)
    try:
        while remaining:
            kind, value = handed.get()
            if kind == _DONE:
                remaining -= 1
            elif kind == _FAILED:
                raise value
            else:
                yield value
    finally:
        stop.set()
        for thread in threads:
            thread.join()
