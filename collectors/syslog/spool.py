"""The spool: received messages on local disk before they are parsed and stored.

Listeners append every message to the active spool segment as soon as it is
received; a separate reader moves segments into the store with checkpoints
(``spool:<segment>`` → byte offset) committed atomically with each batch. A
crash therefore loses nothing that reached the spool and a restart replays
exactly what the store lacks (events keep their ids: segment name + offset).

Layout: ``<data dir>/spool/syslog/<ns>-<pid>.spool``; a new segment per
process start and per ``segment_bytes``; a segment is deleted once it is
closed and stored in full. One record per message::

    <length> <received ns> <peer> <transport>[,cut] <payload bytes>\\n

The length prefix keeps messages with embedded line feeds intact. The file
is written with ``O_APPEND`` in whole records; ``fsync`` runs every
``fsync_interval`` seconds (and on rollover and close), bounding what a power
loss could take; a killed process loses nothing that was written.

One collector owns a spool directory at a time (an exclusive ``flock``).
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from secops.errors import LockHeld
from secops.files import fsync_dir

SUFFIX = ".spool"
_HEADER = re.compile(rb"(\d{1,10}) (\d{1,20}) (\S{1,300}) ([\w,]{1,16}) ")
_HEADER_MAX = 360


@dataclass(slots=True)
class Record:
    """One spooled message and where it sits in its segment."""

    payload: bytes
    received_ns: int
    peer: str
    transport: str
    offset: int
    end: int
    damaged: bool = False


def spool_dir(data_dir: Path) -> Path:
    return data_dir / "spool" / "syslog"


def segments(folder: Path) -> list[Path]:
    """Segments in the order they were written."""
    return sorted(folder.glob(f"*{SUFFIX}"))


class SpoolWriter:
    """Appends records to the active segment; thread-safe; rolls over by size."""

    def __init__(self, folder: Path, *, segment_bytes: int = 64 << 20, fsync_interval: float = 0.2) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self._lock_fd)
            raise LockHeld("another syslog collector uses this spool", where=str(folder)) from exc
        self.segment_bytes = segment_bytes
        self.fsync_interval = fsync_interval
        self._mutex = threading.Lock()
        self._fd = -1
        self._size = 0
        self._dirty = False
        self.active: Path | None = None
        self.received = 0
        self._open_segment()
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, name="spool-fsync", daemon=True)
        self._syncer.start()

    def _open_segment(self) -> None:
        path = self.folder / f"{time.time_ns():020d}-{os.getpid()}{SUFFIX}"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        self._size = 0
        self.active = path
        fsync_dir(self.folder)

    def append(self, messages: list[tuple[bytes, bool]], peer: str, transport: str) -> None:
        """Spool ``(payload, cut)`` messages received together from one peer, in one write."""
        if not messages:
            return
        now = time.time_ns()
        whole = f" {now} {peer} {transport} ".encode()
        cut = f" {now} {peer} {transport},cut ".encode()
        blob = b"".join(b"%d%s%s\n" % (len(m), cut if was_cut else whole, m) for m, was_cut in messages)
        with self._mutex:
            if self._size and self._size + len(blob) > self.segment_bytes:
                self._roll()
            view = memoryview(blob)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            self._size += len(blob)
            self._dirty = True
            self.received += len(messages)

    def _roll(self) -> None:
        os.fsync(self._fd)
        os.close(self._fd)
        self._open_segment()

    def _sync_loop(self) -> None:
        while not self._stop.wait(self.fsync_interval):
            self.sync()

    def sync(self) -> None:
        with self._mutex:
            if self._dirty and self._fd >= 0:
                os.fsync(self._fd)
                self._dirty = False

    def close(self) -> None:
        self._stop.set()
        self._syncer.join()
        with self._mutex:
            if self._fd >= 0:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1
            self.active = None
        os.close(self._lock_fd)


def read_records(path: Path, start: int, *, final: bool, limit: int = 16 << 20) -> Iterator[Record]:
    """Records of a segment from byte ``start``, reading at most about ``limit`` bytes.

    A record cut short at the end is left for later while the segment may
    still grow; at the end of a ``final`` (closed) segment it is returned as
    damaged, so nothing that reached the disk is dropped.
    """
    with path.open("rb") as fh:
        fh.seek(start)
        data = fh.read(limit)
        at_end = start + len(data) >= os.fstat(fh.fileno()).st_size
    final = final and at_end
    pos, size = 0, len(data)
    while pos < size:
        found = _HEADER.match(data, pos)
        if found is None:
            if not final and size - pos < _HEADER_MAX and b"\n" not in data[pos:]:
                return  # the header is still being written
            end = data.find(b"\n", pos)
            end = size if end < 0 else end + 1
            yield Record(data[pos:end].rstrip(b"\n"), 0, "-", "-", start + pos, start + end, damaged=True)
            pos = end
            continue
        length = int(found.group(1))
        body = found.end()
        peer, transport = _text(found.group(3)), _text(found.group(4))
        if body + length + 1 > size:
            if final:
                yield Record(data[body:], int(found.group(2)), peer, transport, start + pos, start + size, True)
            return
        yield Record(
            data[body : body + length], int(found.group(2)), peer, transport, start + pos, start + body + length + 1
        )
        pos = body + length + 1


def _text(value: bytes) -> str:
    return value.decode("ascii", "replace")
