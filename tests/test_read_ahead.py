"""Reading ahead in a thread: the same items in the same order, errors where they happened, bounded, stoppable."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from secops.read_ahead import CHUNK, read_ahead


@pytest.mark.parametrize("count", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 7 * CHUNK + 13])
def test_every_item_arrives_once_in_order(count: int) -> None:
    assert list(read_ahead(range(count), limit=2 * CHUNK)) == list(range(count))


def test_the_reader_runs_in_another_thread() -> None:
    def names() -> Iterator[str]:
        for _ in range(3):
            yield threading.current_thread().name

    assert set(read_ahead(names(), limit=10)) == {"secops-read-ahead"}


def test_an_error_is_raised_after_the_items_before_it() -> None:
    def failing() -> Iterator[int]:
        yield from range(CHUNK + 5)
        raise ValueError("record 506 is bad")

    seen: list[int] = []
    with pytest.raises(ValueError, match="record 506 is bad"):
        for item in read_ahead(failing(), limit=CHUNK):
            seen.append(item)
    assert seen == list(range(CHUNK + 5))


def test_the_reader_stays_within_its_limit_of_the_consumer() -> None:
    produced = 0

    def counting() -> Iterator[int]:
        nonlocal produced
        for i in range(100 * CHUNK):
            produced += 1
            yield i

    reader = read_ahead(counting(), limit=4 * CHUNK)
    assert next(reader) == 0
    time.sleep(0.5)  # ample time to run on, if nothing held it back
    # the queue (limit), the chunk taken by the consumer, and the one being filled
    assert 4 * CHUNK <= produced <= 6 * CHUNK
    reader.close()


def test_leaving_early_stops_the_reader_and_closes_its_source() -> None:
    closed = threading.Event()
    produced = 0

    def source() -> Iterator[int]:
        nonlocal produced
        try:
            for i in range(10**9):
                produced += 1
                yield i
        finally:
            closed.set()

    for item in read_ahead(source(), limit=CHUNK):
        if item == 10:
            break
    assert closed.wait(5)
    stopped_at = produced
    time.sleep(0.2)
    assert produced == stopped_at
    assert not any(t.name == "secops-read-ahead" for t in threading.enumerate())
