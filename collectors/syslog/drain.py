"""Moving spooled syslog messages into the store: parse, envelope, batch, checkpoint.

Segments are read in the order they were written, each from its checkpoint
(``spool:<segment name>`` → byte offset, committed atomically with the
batch). Closed segments left by an earlier run are finished first; the
active one is followed as the listeners append to it. A closed segment whose
records are all stored is deleted.

Events carry ``event.created`` (when the message was received) and the
sending peer and transport under ``syslog.source``; a record the spool
marks as cut (over the size limit) or damaged (a crash mid-write) is kept as
a ``_parse_failure`` event with its bytes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from collectors.syslog.spool import Record, SpoolWriter, read_records, segments
from secops import ecs
from secops.ingest import Batcher, BatchHook, IngestResult
from secops.pipeline import LineEvents, Stats, line_parser
from secops.registry import ParseContext
from secops.store.base import CaseStore, EventStore

log = logging.getLogger(__name__)


class SpoolDrain:
    """Reads spool segments from their checkpoints and stores their events."""

    def __init__(
        self,
        folder: Path,
        writer: SpoolWriter | None,
        fmt: str,
        ctx: ParseContext,
        events: EventStore,
        cases: CaseStore,
        stats: Stats,
        *,
        batch_size: int = 20_000,
        on_batch: BatchHook | None = None,
    ) -> None:
        self.folder = folder
        self.writer = writer
        self.ctx = ctx
        self.cases = cases
        self.stats = stats
        self.batcher = Batcher(events, batch_size, on_batch)
        self.lines = LineEvents(line_parser(fmt, "not syslog messages"), ctx, stats)
        self.positions: dict[str, int] = {}
        self.drained: list[Path] = []
        self.number = 0

    @property
    def result(self) -> IngestResult:
        return self.batcher.result

    @property
    def pending(self) -> int:
        """Events read but not yet stored."""
        return len(self.batcher.events)

    def poll(self) -> int:
        """Read what the spool has beyond our position; returns how many records were read."""
        ingested = ecs.now_ts()
        read = 0
        for path in segments(self.folder):
            key = f"spool:{path.name}"
            start = self.positions.get(key)
            if start is None:
                stored = self.cases.checkpoint(key)
                start = stored.position if stored else 0
            final = self.writer is None or path != self.writer.active
            end = start
            for record in read_records(path, start, final=final):
                self._add(record, key, path.name, ingested)
                end = record.end
                read += 1
            self.positions[key] = end
            if final and end >= path.stat().st_size and path not in self.drained:
                self.drained.append(path)
        return read

    def flush(self) -> None:
        """Store what was read; then delete closed segments whose records are all stored."""
        self.batcher.flush()
        for path in self.drained:
            path.unlink(missing_ok=True)
            self.positions.pop(f"spool:{path.name}", None)
        self.drained.clear()

    def _add(self, record: Record, key: str, segment: str, ingested: str) -> None:
        text = record.payload.decode("utf-8", "backslashreplace")
        where = f"{record.peer} ({record.transport}, spool {segment})"
        if not text.strip():
            return
        self.number += 1
        transport, _, flag = record.transport.partition(",")
        problem = "damaged spool record (collector stopped mid-write)" if record.damaged else None
        if flag == "cut":
            problem = "message longer than the listener's limit, cut"
        ev = self.lines.event(
            text,
            where=where,
            offset=record.offset,
            number=self.number,
            identity=f"{key}:{record.offset}",
            ingested=ingested,
            problem=problem,
        )
        if record.received_ns:
            created = datetime.fromtimestamp(record.received_ns / 1e9, UTC)
            ev["event"]["created"] = ecs.format_ts(created)
        ev.setdefault("syslog", {})["source"] = {"address": record.peer, "transport": transport}
        self.batcher.add(ev, key, record.end, segment)
