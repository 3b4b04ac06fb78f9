"""Parsing the next batch while the store takes the last one.

Where a store write mostly waits (a bulk request while the cluster indexes
it), parsing in a second thread overlaps it instead of taking turns with it;
where the write is Python work too, the two only contend for the GIL, so the
store decides (``EventStore.parse_ahead``). The reader runs at most
``limit`` items ahead, so memory stays bounded, and everything it raises is
raised again in the consumer, at the point in the sequence where it happened.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

CHUNK = 500
"""Items handed over at a time: few enough queue operations to cost nothing per item."""

_DONE = object()


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterable[T], limit: int) -> Iterator[T]:
    """``items`` in order, produced by a background thread up to about ``limit`` items ahead."""
    handover: queue.Queue[object] = queue.Queue(maxsize=max(1, -(-limit // CHUNK)))
    stop = threading.Event()
    source = iter(items)  # here, so a failure to start is raised where it belongs

    def offer(entry: object) -> bool:
        while not stop.is_set():
            try:
                handover.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        chunk: list[T] = []
        try:
            for item in source:
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    if not offer(chunk):
                        return
                    chunk = []
            if chunk and not offer(chunk):
                return
            offer(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            if not chunk or offer(chunk):  # the items before the error still arrive
                offer(_Failed(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # a generator left early still closes its files, in the thread that runs it

    worker = threading.Thread(target=produce, name="secops-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            entry = handover.get()
            if entry is _DONE:
                return
            if isinstance(entry, _Failed):
                raise entry.error
            yield from entry  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
