"""Moving parsed events into the store in batches, with checkpoints that never run ahead.

A checkpoint is handed to the store together with the batch that contains its
source's last event, so it is committed only when that batch and every one
before it are durable: a crash re-reads at most the batches not yet durable
(those in flight and the one filling), and deterministic ``event.id`` keeps
the re-read from duplicating.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from secops import ecs
from secops.cases.models import Checkpoint
from secops.inputs import DAMAGED_STREAM, TEXT_FINGERPRINT_BYTES, InputFile, fingerprint
from secops.pipeline import Item, Opened, Stats, open_inputs, read_input
from secops.read_ahead import read_ahead
from secops.registry import ParseContext, StreamParser
from secops.store.base import CaseStore, EventStore
from secops.types import Event

FIRST_BATCH = 250
"""Events in the first batch a background store is given (each next one is four times larger, up to the size)."""

SOURCE_LOCKS = "sources.lock"
"""The file in the data directory that holds the collectors' per-source locks (``SourceLocks``)."""

BatchHook = Callable[[list[Event]], None]
"""Called with each batch once it is stored (real-time detection hooks in here)."""


@dataclass(slots=True)
class IngestResult:
    read: int = 0
    stored: int = 0
    batches: int = 0


class SourceLocks:
    """One collector at a time per source, across processes sharing a data directory.

    Two collectors reading one source each start from the same committed
    checkpoint, so both would store its events. A source is locked by its
    checkpoint key: a POSIX record lock of one byte, at an offset taken from
    the key, in one file of the data directory (one descriptor however many
    sources; the kernel drops the locks of a process that dies). A collector
    that finds a source locked leaves it to the one reading it.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._held: set[str] = set()
        self._mutex = threading.Lock()

    @staticmethod
    def _offset(key: str) -> int:
        return int(key[:10], 16) if len(key) >= 10 and all(c in "0123456789abcdef" for c in key[:10]) else 0

    def acquire(self, key: str) -> bool:
        """Lock ``key`` for this process; False if another process holds it."""
        with self._mutex:
            if key not in self._held:
                try:
                    fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, self._offset(key))
                except OSError as exc:
                    if exc.errno in (errno.EACCES, errno.EAGAIN):
                        return False
                    raise
                self._held.add(key)
            return True

    def release(self, key: str) -> None:
        with self._mutex:
            if key in self._held:
                self._held.discard(key)
                fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, self._offset(key))

    def close(self) -> None:
        with self._mutex:
            self._held.clear()
            os.close(self._fd)

    def __enter__(self) -> SourceLocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Batcher:
    """Collects events and the checkpoints they complete; hands them to the store at a size.

    A full batch is submitted before the earlier ones are waited for, so a
    store that sends in the background stores them while the next fills; up
    to the store's ``in_flight`` stay submitted, and they are waited for
    oldest first. For a store that parses ahead (``parse_ahead``) the first
    batches are smaller, growing to ``size``, so the other process starts
    work as soon as a few events are parsed. The hook and the count follow
    each batch once it is durable.
    """

    def __init__(
        self,
        store: EventStore,
        size: int,
        on_batch: BatchHook | None = None,
        on_durable: Callable[[list[Checkpoint]], None] | None = None,
    ) -> None:
        self.store = store
        self.size = size
        self.on_batch = on_batch
        self.on_durable = on_durable
        self.events: list[Event] = []
        self.checkpoints: dict[str, tuple[int, str]] = {}
        self.result = IngestResult()
        self._limit = min(size, FIRST_BATCH) if store.parse_ahead else size
        self._in_flight: deque[tuple[Callable[[], int], list[Event], list[Checkpoint]]] = deque()

    def add(self, event: Event, key: str, position: int, name: str) -> None:
        """One event, and where its source resumes after it (a checkpoint is made per batch, not per event)."""
        self.events.append(event)
        self.checkpoints[key] = (position, name)
        self.result.read += 1
        if len(self.events) >= self._limit:
            self._hand_over()

    def flush(self) -> None:
        """Store what is held, and return once every batch handed over is durable."""
        self._hand_over()
        while self._in_flight:
            self._settle()

    def _hand_over(self) -> None:
        if not self.events and not self.checkpoints:
            return
        batch = self.events
        checkpoints = [Checkpoint(key=key, position=pos, name=name) for key, (pos, name) in self.checkpoints.items()]
        self.events, self.checkpoints = [], {}
        self._limit = min(self.size, self._limit * 4)
        self._in_flight.append((self.store.submit(batch, checkpoints), batch, checkpoints))
        while len(self._in_flight) > self.store.in_flight:
            self._settle()

    def _settle(self) -> None:
        """Wait for the oldest batch in flight; then count it and run the hook on it."""
        done, batch, checkpoints = self._in_flight.popleft()
        self.result.stored += done()
        self.result.batches += 1
        if self.on_durable:
            self.on_durable(checkpoints)
        if self.on_batch and batch:
            self.on_batch(batch)


def ingest_files(
    files: Iterable[InputFile],
    fmt: str,
    ctx: ParseContext,
    events: EventStore,
    cases: CaseStore,
    stats: Stats,
    *,
    batch_size: int = 20_000,
    on_batch: BatchHook | None = None,
    on_progress: Callable[[int], None] | None = None,
    locks: SourceLocks | None = None,
) -> IngestResult:
    """Ingest files from their checkpoints onwards; returns what was read and stored.

    Where the store asks for it (``parse_ahead``), the next batch is parsed
    while the last one is being written. With ``locks``, a source another
    collector is reading is skipped (and named), and each source is let go
    once its last checkpoint is stored.
    """
    finished: dict[str, int] = {}

    def let_go(checkpoints: list[Checkpoint]) -> None:
        for checkpoint in checkpoints:
            if locks is not None and finished.get(checkpoint.key) == checkpoint.position:
                locks.release(checkpoint.key)

    batcher = Batcher(events, batch_size, on_batch, let_go)
    items = _read_files(files, fmt, ctx, cases, stats, locks, finished)
    try:
        for item, name in read_ahead(items, batch_size) if events.parse_ahead else items:
            batcher.add(item.event, item.source_key, item.resume, name)
            if on_progress and batcher.result.read % 1000 == 0:
                on_progress(batcher.result.read)
        batcher.flush()
    finally:
        if locks is not None:
            for key in list(finished):
                locks.release(key)
    return batcher.result


def _read_files(
    files: Iterable[InputFile],
    fmt: str,
    ctx: ParseContext,
    cases: CaseStore,
    stats: Stats,
    locks: SourceLocks | None,
    finished: dict[str, int],
) -> Iterator[tuple[Item, str]]:
    """Every file's events from its checkpoint onwards, with the file's name.

    A file met again in the same run (a folder given twice, a link to it, an
    overlapping glob) goes on from where this run got to: its checkpoint is
    not committed until its batch is stored.
    """
    ingested = ecs.now_ts()
    reached: dict[tuple[str, str], int] = {}
    for opened in open_inputs(files, fmt, stats):
        key = opened.key
        if locks is not None and not locks.acquire(key):
            stats.refuse(f"{opened.source.name}: skipped: another collector is reading this file now")
            continue
        pending = key in finished  # what this run read of it earlier may not be stored yet
        finished.pop(key, None)
        same = (key, os.path.realpath(opened.source.name))
        start = reached[same] if same in reached else _resume_at(opened, cases)
        for item in read_input(opened, ctx, stats, ingested=ingested, start=start):
            reached[same] = item.resume
            pending = True
            yield item, opened.source.name
        reached.setdefault(same, start)
        finished[key] = reached[same]
        if locks is not None and not pending:
            locks.release(key)  # nothing of it waits to be stored


def _resume_at(opened: Opened, cases: CaseStore) -> int:
    """Where a source's reading resumes: its checkpoint, or the end of the shorter file it grew from."""
    previous = cases.checkpoint(opened.key)
    if previous is not None:
        return previous.position
    if isinstance(opened.parser, StreamParser):
        return 0
    return _grown_from(opened, cases)


def _grown_from(opened: Opened, cases: CaseStore) -> int:
    """The length of this file when an earlier run read it whole while it was shorter than its fingerprint.

    A text file under ``TEXT_FINGERPRINT_BYTES`` (a log just rotated) is
    known by all of its bytes, so it has another key once it grows. Its
    checkpoint is found by the keys of this file's head cut at each line end,
    taken only where it was read to exactly that end under the same name.
    """
    try:
        with opened.source.open() as fh:
            head = fh.read(TEXT_FINGERPRINT_BYTES)
    except (OSError, *DAMAGED_STREAM):
        return 0  # reading the file itself meets this again and reports it
    end = head.rfind(b"\n", 0, len(head) - 1)
    while end >= 0:
        length = end + 1
        earlier = cases.checkpoint(fingerprint(head[:length], binary=False))
        if earlier is not None and earlier.position == length and earlier.name == opened.source.name:
            return length
        end = head.rfind(b"\n", 0, end)
    return 0
