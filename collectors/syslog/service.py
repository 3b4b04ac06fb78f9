"""``secops collect syslog`` as a library: listeners + spool + drain, started and stopped together."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from collectors.syslog.drain import SpoolDrain
from collectors.syslog.listen import Address, Listener, TlsSettings
from collectors.syslog.spool import SpoolWriter, spool_dir
from secops.ingest import BatchHook, IngestResult
from secops.pipeline import Stats
from secops.registry import ParseContext
from secops.store.base import CaseStore, EventStore


class SyslogService:
    """Receive on every address, spool, and store, until told to stop."""

    def __init__(
        self,
        addresses: list[Address],
        data_dir: Path,
        fmt: str,
        ctx: ParseContext,
        events: EventStore,
        cases: CaseStore,
        stats: Stats,
        *,
        tls: TlsSettings | None = None,
        max_message: int = 1 << 20,
        batch_size: int = 20_000,
        flush_interval: float = 2.0,
        fsync_interval: float = 0.2,
        segment_bytes: int = 64 << 20,
        on_batch: BatchHook | None = None,
    ) -> None:
        folder = spool_dir(data_dir)
        self.drain = SpoolDrain(  # first: it checks the format before anything is bound or locked
            folder, None, fmt, ctx, events, cases, stats, batch_size=batch_size, on_batch=on_batch
        )
        self.spool = SpoolWriter(folder, segment_bytes=segment_bytes, fsync_interval=fsync_interval)
        self.listeners: list[Listener] = []
        try:
            context = tls.context() if tls is not None and any(a.transport == "tls" for a in addresses) else None
            for address in addresses:
                secure = context if address.transport == "tls" else None
                self.listeners.append(Listener(address, self.spool, max_message=max_message, tls=secure))
        except BaseException:
            for listener in self.listeners:
                listener.sock.close()
            self.spool.close()
            raise
        self.drain.writer = self.spool
        self.flush_interval = flush_interval

    @property
    def bound(self) -> list[Address]:
        return [listener.bound for listener in self.listeners]

    @property
    def received(self) -> int:
        return self.spool.received

    @property
    def result(self) -> IngestResult:
        return self.drain.result

    def run(self, should_stop: Callable[[], bool], *, on_tick: Callable[[], None] | None = None) -> IngestResult:
        """Serve until ``should_stop()``; on the way out, everything received is stored."""
        for listener in self.listeners:
            listener.start()
        first_pending: float | None = None
        try:
            while not should_stop():
                read = self.drain.poll()
                now = time.monotonic()
                if self.drain.pending and first_pending is None:
                    first_pending = now
                due = first_pending is not None and now - first_pending >= self.flush_interval
                if due or (self.drain.drained and not self.drain.pending):
                    self.drain.flush()
                    first_pending = None
                if on_tick is not None:
                    on_tick()
                if not read:
                    time.sleep(0.05)
        finally:
            for listener in self.listeners:
                listener.close()
            self.spool.close()
            self.drain.writer = None  # every segment is closed now: finish them all
            while self.drain.poll():
                pass
            self.drain.flush()
        return self.drain.result
