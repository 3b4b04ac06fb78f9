"""The disk spool that takes over while the cluster is unreachable.

A batch that cannot be delivered is written whole to its own file under
``<data dir>/es-spool/`` (temp file, fsync, rename), after which it counts as
durable and its sources' checkpoints may advance. When the cluster answers
again, files are replayed oldest first and removed once every event in them
is stored, known or dead-lettered. Replay never duplicates: ``_id`` is
``event.id`` and writes are ``create``. A file being replayed is locked, so
two processes sharing a data directory never send it at the same time.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import orjson

from secops.errors import StoreError
from secops.files import fsync_dir, owner_only
from secops.types import Event

SUFFIX = ".ndjson"
_SERIAL = itertools.count()
"""Tells apart the files two sender threads spool in the same nanosecond."""


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.suffix == SUFFIX)

    def __bool__(self) -> bool:
        return bool(self.files())

    def append(self, events: Sequence[Event]) -> Path:
        """Write one batch durably; returns its file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(_SERIAL)}"
        tmp = self.directory / f".{name}.tmp"
        final = self.directory / f"{name}{SUFFIX}"
        try:
            with owner_only(tmp) as fh:
                for start in range(0, len(events), 1000):
                    fh.write(b"".join(orjson.dumps(e) + b"\n" for e in events[start : start + 1000]))
                fh.flush()
                os.fsync(fh.fileno())
            tmp.rename(final)
            fsync_dir(self.directory)
        except OSError as exc:
            raise StoreError(f"cannot spool events while Elasticsearch is unreachable: {exc}", where=str(tmp)) from exc
        return final

    def pending_events(self) -> int:
        total = 0
        for path in self.files():
            with path.open("rb") as fh:
                total += sum(1 for _ in fh)
        return total

    def replay(self, deliver: Callable[[list[Event]], object]) -> int:
        """Send spooled batches oldest first; stops (keeping the file) at the first failure."""
        sent = 0
        for path in self.files():
            with _locked(path) as locked:
                if not locked or not path.exists():
                    continue
                events = [orjson.loads(line) for line in _lines(path)]
                deliver(events)
                path.unlink()
                sent += len(events)
        return sent


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield line


@contextmanager
def _locked(path: Path) -> Iterator[bool]:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
