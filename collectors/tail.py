"""Following log files as they grow, across rotation, truncation and restarts.

A followed file is known by its content fingerprint (``secops.inputs``), never
by its path or inode, so a file renamed by rotation (``app.log`` →
``app.log.1``), copied, or compressed (``app.log.2.gz``) is still the same
source with the same checkpoint. Its checkpoint (fingerprint → byte offset
after the last stored line) is handed to the store with the batch that holds
that line and is committed atomically with it: after a crash at any point the
collector resumes exactly after the last durable line, so nothing is lost and,
with deterministic ``event.id``, nothing is stored twice.

Rules, in the spirit of Filebeat's ``filestream`` with fingerprint identity:

- A plain file shorter than the fingerprint length (1 KiB) cannot be
  identified yet: it may still grow, and its head would then change. It is
  *postponed*, not read, until it is long enough. Reading it earlier under a
  provisional identity would give its events ids that change when it grows,
  i.e. duplicates. ``Follower.postponed`` lists such files.
- Only complete lines are consumed; a trailing partial line waits for its
  newline, unless the file has been rotated away and stayed idle for
  ``rotate_grace`` seconds (the writer has moved on), or is compressed.
- A path that now names another file means rotation: the old file is drained
  to its end, then closed. Include rotated names in the pattern
  (``/var/log/app.log*``) so that a restart can also finish files rotated
  while the collector was down.
- A file that shrinks under an open handle was truncated (``copytruncate``):
  its new content is a new source, identified again once 1 KiB long.
- Two paths with the same fingerprint (a copy, a compressed rotation) are one
  source: the second resumes from the first's position.
"""

from __future__ import annotations

import glob
import gzip
import logging
import os
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from secops import ecs
from secops.ingest import Batcher, BatchHook, IngestResult, SourceLocks
from secops.inputs import MAX_RECORD_BYTES, TEXT_FINGERPRINT_BYTES, fingerprint
from secops.pipeline import LineEvents, Stats, line_parser
from secops.registry import ParseContext
from secops.store.base import CaseStore, EventStore

log = logging.getLogger(__name__)

READ_CHUNK = 1 << 20


@dataclass(slots=True)
class Tailed:
    """One open, identified file."""

    path: str
    ident: tuple[int, int]
    handle: IO[bytes]
    key: str
    offset: int
    """Byte offset (decompressed for .gz) after the last line handed to the batcher."""
    compressed: bool
    buffer: bytes = b""
    long_head: bytes | None = None
    """Start of an overlong line whose end has not been read yet (the rest is skipped)."""
    long_length: int = 0
    rotated_at: float | None = None
    last_growth: float = field(default_factory=time.monotonic)
    number: int = 0


class Follower:
    """Discovers files from patterns and feeds their new lines, parsed, to the store."""

    def __init__(
        self,
        patterns: list[str],
        fmt: str,
        ctx: ParseContext,
        events: EventStore,
        cases: CaseStore,
        stats: Stats,
        *,
        batch_size: int = 20_000,
        flush_interval: float = 1.0,
        poll_interval: float = 0.2,
        rotate_grace: float = 2.0,
        on_batch: BatchHook | None = None,
        locks: SourceLocks | None = None,
    ) -> None:
        self.patterns = patterns
        self.locks = locks
        self._let_go: list[str] = []
        """Keys of files closed since the last flush: unlocked once their checkpoints are stored."""
        self._locked_out: set[str] = set()
        self.ctx = ctx
        self.cases = cases
        self.stats = stats
        self.batcher = Batcher(events, batch_size, on_batch)
        self.flush_interval = flush_interval
        self.poll_interval = poll_interval
        self.rotate_grace = rotate_grace
        self.lines = LineEvents(line_parser(fmt, "it cannot be followed"), ctx, stats)
        self.open: dict[tuple[int, int], Tailed] = {}
        self.positions: dict[str, int] = {}
        """Read position per fingerprint in this run (ahead of the committed checkpoint)."""
        self.finished: dict[tuple[int, int, int, int], str] = {}
        """Compressed files read to their end: (dev, inode, size, mtime) → fingerprint."""
        self.postponed: dict[str, int] = {}
        """Files too short to identify: path → size."""
        self._pending_since: float | None = None
        self._ingested = ecs.now_ts()

    @property
    def result(self) -> IngestResult:
        return self.batcher.result

    def run(self, should_stop: Callable[[], bool] = lambda: False) -> IngestResult:
        """Poll until ``should_stop()``; what was read is stored before returning."""
        try:
            while not should_stop():
                busy = self.poll()
                if not busy:
                    time.sleep(self.poll_interval)
        finally:
            self.close()
        return self.result

    def close(self) -> None:
        """Store what was read and close every file."""
        self.flush()
        for tailed in self.open.values():
            tailed.handle.close()
            if self.locks is not None:
                self.locks.release(tailed.key)
        self.open.clear()

    def __enter__(self) -> Follower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def poll(self) -> bool:
        """One round: discover files, read what is new, flush when due. True if anything was read."""
        self.discover()
        self._ingested = ecs.now_ts()
        read = False
        for ident, tailed in list(self.open.items()):
            read |= self._read(tailed)
            if ident in self.open and self._done(tailed):
                self._close(ident, tailed)
        now = time.monotonic()
        if self._pending_since is not None and now - self._pending_since >= self.flush_interval:
            self.flush()
        return read

    def flush(self) -> None:
        self.batcher.flush()
        self._pending_since = None
        if self.locks is not None:
            reading = {tailed.key for tailed in self.open.values()}
            for key in self._let_go:
                if key not in reading:
                    self.locks.release(key)
        self._let_go.clear()

    # -- discovery -------------------------------------------------------------------
    def paths(self) -> Iterator[str]:
        """Files the patterns name now (a pattern that matches nothing yet is not an error)."""
        for pattern in self.patterns:
            path = Path(pattern)
            if path.is_dir():
                yield from sorted(str(p) for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            elif glob.has_magic(pattern):
                yield from sorted(glob.glob(pattern))
            elif path.is_file():
                yield pattern

    def discover(self) -> None:
        live: dict[tuple[int, int], str] = {}
        for path in self.paths():
            try:
                info = os.stat(path)
            except OSError:
                continue
            ident = (info.st_dev, info.st_ino)
            live[ident] = path
            if ident in self.open:
                self.open[ident].path = path
            elif (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) not in self.finished:
                self._start(path, ident, info)
        for ident, tailed in self.open.items():
            if ident not in live and tailed.rotated_at is None:
                tailed.rotated_at = time.monotonic()
            elif ident in live and live[ident] != tailed.path:
                tailed.path = live[ident]

    def _start(self, path: str, ident: tuple[int, int], info: os.stat_result) -> None:
        magic = _magic(path)
        if magic == b"PK\x03\x04":  # an archive is read once with `collect file`, not followed
            self.stats.warn(f"{path}: a zip archive cannot be followed; ingest it without --follow")
            self.finished[(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)] = ""
            return
        compressed = magic[:2] == b"\x1f\x8b"
        try:
            handle = cast(IO[bytes], gzip.open(path, "rb") if compressed else open(path, "rb"))  # noqa: SIM115
        except OSError as exc:
            self.stats.warn(f"{path}: cannot open: {exc.strerror or exc}")
            return
        try:
            head = handle.read(TEXT_FINGERPRINT_BYTES)
        except (OSError, EOFError, zlib.error) as exc:  # a .gz still being written, or damaged
            handle.close()
            log.info("%s: not readable yet: %s", path, exc)
            return
        if len(head) < TEXT_FINGERPRINT_BYTES and not compressed:
            handle.close()
            self.postponed[path] = len(head)
            return
        self.postponed.pop(path, None)
        key = fingerprint(head, binary=False)
        if any(t.key == key for t in self.open.values()):
            handle.close()  # the same content under another name: already being read
            return
        if self.locks is not None and not self.locks.acquire(key):
            handle.close()  # tried again at the next poll
            if path not in self._locked_out:
                self._locked_out.add(path)
                self.stats.warn(f"{path}: another collector is reading this file; waiting for it to finish")
            return
        self._locked_out.discard(path)
        stored = self.cases.checkpoint(key)
        offset = max(stored.position if stored else 0, self.positions.get(key, 0))
        try:
            _seek(handle, offset)
        except (OSError, EOFError, zlib.error) as exc:
            handle.close()
            self.stats.warn(f"{path}: cannot resume at byte {offset}: {exc}")
            return
        if not compressed and info.st_size < offset:
            offset = 0  # same head, shorter file: rewritten since the checkpoint
            handle.seek(0)
        self.open[ident] = Tailed(path, ident, handle, key, offset, compressed)
        self.stats.files += 1

    # -- reading ---------------------------------------------------------------------
    def _read(self, tailed: Tailed) -> bool:
        if not tailed.compressed and self._truncated(tailed):
            return False
        got_any = False
        while True:
            try:
                chunk = tailed.handle.read(READ_CHUNK)
            except (OSError, EOFError, zlib.error) as exc:
                self._unreadable(tailed, exc)
                return got_any
            if not chunk:
                break
            got_any = True
            self._lines(tailed, tailed.buffer + chunk)
        if got_any:
            tailed.last_growth = time.monotonic()
        if self._final(tailed):
            if tailed.long_head is not None:
                self._emit(tailed, tailed.long_head, tailed.long_length, truncated=True)
                tailed.long_head = None
            if tailed.buffer:
                self._emit(tailed, tailed.buffer, len(tailed.buffer), truncated=False)
                tailed.buffer = b""
        return got_any

    def _unreadable(self, tailed: Tailed, exc: BaseException) -> None:
        """A .gz still being written (or damaged): keep what was whole, retry when the file changes."""
        if tailed.compressed:
            log.info("%s: compressed stream ends early at byte %d (%s); will retry", tailed.path, tailed.offset, exc)
        else:
            self.stats.warn(f"{tailed.path}: read failed at byte {tailed.offset}: {exc}")
        tailed.buffer, tailed.long_head = b"", None
        self._close(tailed.ident, tailed)

    def _truncated(self, tailed: Tailed) -> bool:
        try:
            size = os.fstat(tailed.handle.fileno()).st_size
        except OSError:
            return False
        read_to = tailed.offset + (tailed.long_length if tailed.long_head is not None else len(tailed.buffer))
        if size >= read_to:
            return False
        log.info("%s: truncated (size %d < %d read): new content is a new source", tailed.path, size, read_to)
        self._close(tailed.ident, tailed)
        return True

    def _lines(self, tailed: Tailed, data: bytes) -> None:
        start = 0
        if tailed.long_head is not None:  # inside an overlong line: skip to its end
            end = data.find(b"\n")
            if end < 0:
                tailed.long_length += len(data)
                tailed.buffer = b""
                return
            tailed.long_length += end + 1
            self._emit(tailed, tailed.long_head, tailed.long_length, truncated=True)
            tailed.long_head = None
            start = end + 1
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            self._emit(tailed, data[start:end], end + 1 - start, truncated=end - start > MAX_RECORD_BYTES)
            start = end + 1
        rest = data[start:]
        if len(rest) > MAX_RECORD_BYTES:  # keep the head of a line too long to hold, skip the rest of it
            tailed.long_head, tailed.long_length, rest = rest[:MAX_RECORD_BYTES], len(rest), b""
        tailed.buffer = rest

    def _emit(self, tailed: Tailed, raw: bytes, length: int, *, truncated: bool) -> None:
        offset = tailed.offset
        tailed.offset += length
        self.positions[tailed.key] = tailed.offset
        if truncated:
            raw = raw[:MAX_RECORD_BYTES]
        text = raw.rstrip(b"\r").decode("utf-8", "backslashreplace")
        if not text.strip():
            return
        tailed.number += 1
        ev = self.lines.event(
            text,
            where=tailed.path,
            offset=offset,
            number=tailed.number,
            identity=f"{tailed.key}:{offset}",
            ingested=self._ingested,
            problem=f"record longer than {MAX_RECORD_BYTES} bytes, cut" if truncated else None,
            path=tailed.path,
        )
        self.batcher.add(ev, tailed.key, tailed.offset, tailed.path)
        if self._pending_since is None:
            self._pending_since = time.monotonic()

    def _final(self, tailed: Tailed) -> bool:
        """Whether a trailing partial line can be taken as complete: nobody will finish it."""
        if tailed.compressed:
            return True
        return tailed.rotated_at is not None and time.monotonic() - tailed.last_growth >= self.rotate_grace

    def _done(self, tailed: Tailed) -> bool:
        if tailed.compressed:
            return not tailed.buffer
        return (
            tailed.rotated_at is not None
            and not tailed.buffer
            and time.monotonic() - tailed.last_growth >= self.rotate_grace
        )

    def _close(self, ident: tuple[int, int], tailed: Tailed) -> None:
        if tailed.compressed:  # not read again unless it changes
            try:
                info = os.fstat(tailed.handle.fileno())
                self.finished[(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)] = tailed.key
            except (OSError, ValueError):
                pass
        tailed.handle.close()
        self.open.pop(ident, None)
        self._let_go.append(tailed.key)


def _magic(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(4)
    except OSError:
        return b""


def _seek(handle: IO[bytes], offset: int) -> None:
    """Position a fresh reader at ``offset`` (decompressed bytes for .gz, read forward)."""
    if not isinstance(handle, gzip.GzipFile):
        handle.seek(offset)
        return
    handle.rewind()
    remaining = offset
    while remaining:
        got = handle.read(min(remaining, READ_CHUNK))
        if not got:
            return
        remaining -= len(got)
