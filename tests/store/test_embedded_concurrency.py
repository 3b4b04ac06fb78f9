"""Readers never wait on a writer: one process ingests while two others query the same directory."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

from secops.query import Match
from secops.store.base import Window
from secops.store.embedded import EmbeddedEventStore
from tests.store.test_event_store import make_events

BATCHES = 40
BATCH = 2_000


def writer(path: str, acks: mp.Queue) -> None:
    store = EmbeddedEventStore(Path(path))
    for b in range(BATCHES):
        events = make_events(BATCH)
        for e in events:
            e["event"]["id"] = f"b{b}-{e['event']['id']}"
        store.write(events)
        acks.put(len(events))  # acknowledged: write() returned
    acks.put(None)


def reader(path: str, results: mp.Queue, stop: mp.Event) -> None:
    store = EmbeddedEventStore(Path(path))
    worst, queries, errors = 0.0, 0, []
    asks = (
        lambda: store.count(Match("user.name", "alice")),
        lambda: list(store.search(Match("source.ip", "10.0.1.1"), Window(), limit=50)),
        lambda: store.top("user.name"),
    )
    while not stop.is_set():
        for ask in asks:  # each query timed on its own: the promise is about any one query's wait
            started = time.perf_counter()
            try:
                ask()
            except Exception as exc:  # noqa: BLE001 - collected and asserted empty by the test
                errors.append(repr(exc))
            worst = max(worst, time.perf_counter() - started)
            queries += 1
    results.put((worst, queries, errors))


def test_concurrent_writer_and_two_readers(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    acks, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    EmbeddedEventStore(tmp_path).close()  # create the schema before the race starts
    procs = [ctx.Process(target=writer, args=(str(tmp_path), acks))]
    procs += [ctx.Process(target=reader, args=(str(tmp_path), results, stop)) for _ in range(2)]
    for p in procs:
        p.start()
    acknowledged = 0
    while (n := acks.get(timeout=300)) is not None:
        acknowledged += n
    stop.set()
    outcomes = [results.get(timeout=120) for _ in range(2)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for worst, queries, errors in outcomes:
        assert errors == []
        assert queries > 5
        assert worst < 1.0, f"a query waited {worst:.2f}s"
    assert acknowledged == BATCHES * BATCH
    assert EmbeddedEventStore(tmp_path).count() == acknowledged
