"""The embedded event store: immutable, day-partitioned Parquet segments queried with DuckDB.

Layout under the data directory::

    events/day=2026-11-25/b000000000042-0.parquet   one segment per batch and day
    secops.db                                       SQLite: catalog, checkpoints, cases

A batch is written to a hidden temp file, fsynced and renamed into place, and
only then made live in the catalog together with its sources' checkpoints.
Readers take the live list from the catalog, so they never wait on a writer
and never see a partial file. Compaction writes a merged copy and swaps it in;
retention retires whole days. Either way a retired file stays on disk for a
grace period, so a query that listed it just before still reads it; the next
prune, compact or write after that deletes it, and a day's folder goes with
its last file.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from secops import ecs
from secops.cases.models import Checkpoint
from secops.errors import CorruptSegmentError, StoreError
from secops.files import fsync_dir, owner_only
from secops.query import Query
from secops.store.base import EventStore, IngestBatch, Window
from secops.store.catalog import DELETE_GRACE_SECONDS, Catalog, Segment, upsert_checkpoints
from secops.store.columns import DICTIONARY_COLUMNS, STATISTICS_COLUMNS, build_table, load_doc
from secops.store.duck_sql import MACROS, in_cidr, literal, to_sql, values_sql
from secops.store.sqlite import STATE_DB, write_txn
from secops.types import EcsField, Event

SMALL_SEGMENT_ROWS = 500_000
"""Segments below this size are merged by compaction ..."""
TARGET_SEGMENT_ROWS = 2_000_000
"""... into segments of about this size."""
PAGE_ROWS = 10_000
"""Searches limited to this many events read their documents in a second, targeted pass (``_page``)."""
_NAME = re.compile(r"^b(\d{12})-\d+\.parquet$")
EVENTS_DIR = "events"
"""Where segments live under the data directory."""


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _groups(segments: list[Segment]) -> Iterator[list[Segment]]:
    """Consecutive runs of segments whose rows add up to at most the target size."""
    group: list[Segment] = []
    for segment in segments:
        if group and sum(s.rows for s in group) + segment.rows > TARGET_SEGMENT_ROWS:
            yield group
            group = []
        group.append(segment)
    if group:
        yield group


class EmbeddedEventStore(EventStore):
    """Events in Parquet under ``<data dir>/events``, catalogued in ``<data dir>/secops.db``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.root = data_dir / EVENTS_DIR
        self.root.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(data_dir / STATE_DB)
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._swept = False
        self._reaped_at = -DELETE_GRACE_SECONDS

    # -- writing -------------------------------------------------------------------
    def write(self, events: Sequence[Event], checkpoints: Sequence[Checkpoint] = ()) -> int:
        if not self._swept:
            self._sweep_orphans()
        elif time.monotonic() - self._reaped_at >= DELETE_GRACE_SECONDS:
            self._reap_retired()  # a long-running writer deletes what retired while it ran
        if not events:
            if checkpoints:
                with write_txn(self.catalog.conn) as conn:
                    upsert_checkpoints(conn, checkpoints)
            return 0
        seq = self.catalog.begin_batch()
        written: list[Path] = []
        try:
            now = datetime.now(UTC)
            table = build_table(events, seq, ecs.format_ts(now), now)
            segments = self._write_days(table, seq, written)
            self.catalog.commit_batch(seq, segments, checkpoints)
        except BaseException:
            self.catalog.abort_batch(seq)
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return len(events)

    def _write_days(self, table: pa.Table, seq: int, written: list[Path]) -> list[Segment]:
        days = pc.cast(table.column("ts"), pa.date32())
        distinct = sorted(pc.unique(days).to_pylist())
        segments = []
        for index, day in enumerate(distinct):
            part = table if len(distinct) == 1 else table.filter(pc.equal(days, pa.scalar(day, pa.date32())))
            segments.append(self._write_segment(part, day.isoformat(), f"b{seq:012d}-{index}", written))
        return segments

    def _write_segment(self, table: pa.Table, day: str, stem: str, written: list[Path]) -> Segment:
        folder = self.root / f"day={day}"
        folder.mkdir(exist_ok=True)
        final = folder / f"{stem}.parquet"
        temp = folder / f".{stem}.parquet.tmp"
        written.extend([temp, final])
        try:
            fh = owner_only(temp)
        except FileNotFoundError:  # a prune removed the folder, empty then, in between
            folder.mkdir(exist_ok=True)
            fh = owner_only(temp)
        with fh:
            pq.write_table(
                table,
                fh,
                compression="zstd",
                row_group_size=131_072,
                use_dictionary=DICTIONARY_COLUMNS,
                write_statistics=STATISTICS_COLUMNS,
            )
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(temp, final)
        fsync_dir(folder)
        bounds = pc.min_max(table.column("ts"))
        seqs = pc.min_max(table.column("seq"))
        return Segment(
            path=str(final.relative_to(self.root)),
            day=day,
            min_seq=seqs["min"].as_py(),
            max_seq=seqs["max"].as_py(),
            min_ts=_micros(bounds["min"].as_py()),
            max_ts=_micros(bounds["max"].as_py()),
            rows=table.num_rows,
            bytes=final.stat().st_size,
        )

    def _sweep_orphans(self) -> int:
        """Delete files of batches that will never commit, temp files of dead writers, and retired
        files whose grace period is over (their number is returned)."""
        self._swept = True
        self.catalog.reap_abandoned()
        aborted = self.catalog.aborted_batches()
        for path in self.root.glob("day=*/*"):
            name = path.name.lstrip(".").removesuffix(".tmp")
            match = _NAME.match(name)
            if match and int(match.group(1)) in aborted:
                path.unlink(missing_ok=True)
        return self._reap_retired()

    def _reap_retired(self) -> int:
        """Delete the files of retired segments whose grace period is over, and the day folders left empty."""
        self._reaped_at = time.monotonic()
        stale = self.catalog.expired_dead()
        for path in stale:
            (self.root / path).unlink(missing_ok=True)
        for folder in {(self.root / path).parent for path in stale}:
            self._remove_if_empty(folder)
        return len(stale)

    @staticmethod
    def _remove_if_empty(folder: Path) -> None:
        with contextlib.suppress(OSError):  # not empty (a writer may be adding a segment now), or gone
            folder.rmdir()

    # -- reading -------------------------------------------------------------------
    def _con(self) -> duckdb.DuckDBPyConnection:
        if self._duck is None:
            con = duckdb.connect(config={"threads": max(1, os.cpu_count() or 1)})
            con.execute(MACROS)
            # duckdb documents null_handling by name ("special"); its stub accepts only the enum.
            con.create_function(  # type: ignore[call-overload]
                "secops_in_cidr", in_cidr, ["VARCHAR", "VARCHAR"], "BOOLEAN", null_handling="special"
            )
            self._duck = con
        return self._duck

    def _segments(self, window: Window, *, after_seq: int | None = None, upto_seq: int | None = None) -> list[Segment]:
        return self.catalog.live(
            since_us=_micros(window.since) if window.since else None,
            until_us=_micros(window.until) if window.until else None,
            after_seq=after_seq,
            upto_seq=upto_seq,
        )

    def _source(self, segments: Sequence[Segment]) -> str:
        files = ", ".join(literal(str(self.root / s.path)) for s in segments)
        return f"read_parquet([{files}])"

    @staticmethod
    def _where(query: Query | None, window: Window) -> str:
        parts = []
        if window.since:
            parts.append(f"ts >= {literal(window.since)}")
        if window.until:
            parts.append(f"ts < {literal(window.until)}")
        if query is not None:
            parts.append(to_sql(query))
        return " AND ".join(parts) or "TRUE"

    def _run(self, sql: str, segments: Sequence[Segment]) -> duckdb.DuckDBPyConnection:
        """Execute on a cursor of the shared connection; a damaged segment is named in the error."""
        with self._lock:
            cursor = self._con().cursor()
        try:
            return cursor.execute(sql)
        except duckdb.Error as exc:
            message = str(exc)
            for segment in segments:
                if segment.path in message:
                    raise CorruptSegmentError(
                        f"segment cannot be read: {message.splitlines()[0]}", where=str(self.root / segment.path)
                    ) from exc
            raise StoreError(f"query failed: {message.splitlines()[0]}", where=str(self.root)) from exc

    def search(
        self,
        query: Query | None = None,
        window: Window = Window(),
        *,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[Event]:
        segments = self._segments(window)
        if not segments:
            return
        order = "DESC" if newest_first else "ASC"
        if limit is not None and limit <= PAGE_ROWS:
            yield from self._page(query, window, segments, limit, order)
            return
        sql = f"SELECT doc FROM {self._source(segments)} WHERE {self._where(query, window)} ORDER BY ts {order}, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        cursor = self._run(sql, segments)
        while rows := cursor.fetchmany(2048):
            for (doc,) in rows:
                yield load_doc(doc)

    def _page(
        self, query: Query | None, window: Window, segments: Sequence[Segment], limit: int, order: str
    ) -> Iterator[Event]:
        """A page of results in two reads: where the page's rows are (narrow columns), then only their documents.

        Decoding ``doc`` is most of a query's cost; a hunt's 100 newest hits in a day of
        300,000 events then decode the pages holding those documents, not every document
        of the day (issue 9: about 2x faster on 10M events).
        """
        files = ", ".join(literal(str(self.root / s.path)) for s in segments)
        source = f"read_parquet([{files}], filename=true, file_row_number=true)"
        hits = self._run(
            f"SELECT filename, file_row_number FROM {source} WHERE {self._where(query, window)} "
            f"ORDER BY ts {order}, id LIMIT {int(limit)}",
            segments,
        ).fetchall()
        rows_of: dict[str, list[int]] = {}
        for name, row in hits:
            rows_of.setdefault(name, []).append(int(row))
        docs: dict[tuple[str, int], str] = {}
        for name, rows in rows_of.items():
            found = self._run(
                f"SELECT file_row_number, doc FROM read_parquet({literal(name)}, file_row_number=true) "
                f"WHERE file_row_number IN ({', '.join(map(str, rows))})",
                segments,
            ).fetchall()
            docs.update(((name, int(row)), doc) for row, doc in found)
        for name, row in hits:
            yield load_doc(docs[(name, int(row))])

    def count(self, query: Query | None = None, window: Window = Window()) -> int:
        segments = self._segments(window)
        if not segments:
            return 0
        if query is None and not window.since and not window.until:
            return sum(s.rows for s in segments)
        row = self._run(
            f"SELECT count(*) FROM {self._source(segments)} WHERE {self._where(query, window)}", segments
        ).fetchone()
        return int(row[0]) if row else 0

    def top(
        self, field: EcsField, query: Query | None = None, window: Window = Window(), *, size: int = 10
    ) -> list[tuple[Any, int]]:
        segments = self._segments(window)
        if not segments:
            return []
        sql = (
            f"SELECT v, count(*) AS n FROM (SELECT unnest({values_sql(field)}) AS v FROM {self._source(segments)} "
            f"WHERE {self._where(query, window)}) WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT {int(size)}"
        )
        return [(v, int(n)) for v, n in self._run(sql, segments).fetchall()]

    def histogram(
        self,
        interval: timedelta,
        query: Query | None = None,
        window: Window = Window(),
        *,
        split: EcsField | None = None,
    ) -> list[tuple[datetime, Any, int]]:
        segments = self._segments(window)
        if not segments:
            return []
        seconds = max(1, int(interval.total_seconds()))
        value = f"unnest({values_sql(split)})" if split else "NULL"
        sql = (
            f"SELECT b, v, count(*) FROM (SELECT time_bucket(INTERVAL '{seconds} seconds', ts, "
            f"TIMESTAMPTZ '1970-01-01 00:00:00+00') AS b, {value} AS v FROM {self._source(segments)} "
            f"WHERE {self._where(query, window)}) GROUP BY b, v ORDER BY b, v"
        )
        return [(b.astimezone(UTC), v, int(n)) for b, v, n in self._run(sql, segments).fetchall()]

    def get(self, ids: Sequence[str]) -> list[Event]:
        segments = self._segments(Window())
        if not ids or not segments:
            return []
        wanted = ", ".join(literal(i) for i in ids)
        sql = f"SELECT doc FROM {self._source(segments)} WHERE id IN ({wanted}) ORDER BY ts, id"
        return [load_doc(doc) for (doc,) in self._run(sql, segments).fetchall()]

    def read_since(
        self, cursor: str | None, *, batch_size: int = 50_000, window: Window = Window()
    ) -> Iterator[IngestBatch]:
        after = int(cursor or 0)
        upto = self.catalog.safe_seq()
        pending: list[tuple[int, int]] = []
        rows = 0
        for seq, count in self.catalog.committed_batches(after, upto):
            pending.append((seq, count))
            rows += count
            if rows >= batch_size:
                yield self._read_seqs(pending[0][0], pending[-1][0], window)
                pending, rows = [], 0
        if pending:
            yield self._read_seqs(pending[0][0], pending[-1][0], window)

    def _read_seqs(self, first: int, last: int, window: Window) -> IngestBatch:
        segments = self._segments(window, after_seq=first - 1, upto_seq=last)
        events: list[Event] = []
        if segments:
            where = f"seq BETWEEN {first} AND {last} AND {self._where(None, window)}"
            sql = f"SELECT doc FROM {self._source(segments)} WHERE {where} ORDER BY seq, ts, id"
            events = [load_doc(doc) for (doc,) in self._run(sql, segments).fetchall()]
        return IngestBatch(events, str(last))

    # -- maintenance -------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        segments = self.catalog.live()
        for segment in segments:
            self._check_footer(segment)
        days = sorted({s.day for s in segments})
        first = min((s.min_ts for s in segments), default=None)
        last = max((s.max_ts for s in segments), default=None)
        return {
            "backend": "embedded",
            "path": str(self.root),
            "segments": len(segments),
            "partitions": len(days),
            "events": sum(s.rows for s in segments),
            "bytes": sum(s.bytes for s in segments),
            "first_event": ecs.format_ts(datetime.fromtimestamp(first / 1e6, UTC)) if first is not None else None,
            "last_event": ecs.format_ts(datetime.fromtimestamp(last / 1e6, UTC)) if last is not None else None,
            "first_day": days[0] if days else None,
            "last_day": days[-1] if days else None,
        }

    def _check_footer(self, segment: Segment) -> None:
        """A cheap integrity check: the file exists, has its recorded size and ends with Parquet's magic."""
        path = self.root / segment.path
        try:
            with path.open("rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, size - 4))
                tail = fh.read(4)
        except OSError as exc:
            raise CorruptSegmentError(f"segment missing or unreadable: {exc.strerror}", where=str(path)) from exc
        if size != segment.bytes or tail != b"PAR1":
            raise CorruptSegmentError(
                f"segment damaged (size {size}, catalog says {segment.bytes}; Parquet footer "
                f"{'present' if tail == b'PAR1' else 'missing'})",
                where=str(path),
            )

    def prune(self, older_than: timedelta) -> dict[str, Any]:
        """Retire the days before the cutoff; their files go once the grace period is over.

        Deleting at once made a query that had just listed those segments fail ("No files
        found"). Retired files of earlier prunes and compactions whose grace is over, and
        orphans of aborted batches, are deleted now, as is each old day's folder once empty.
        """
        cutoff = datetime.now(UTC) - older_than
        oldest_kept = cutoff.date().isoformat()
        gone = self.catalog.drop_days_before(oldest_kept)
        removed = self._sweep_orphans()
        for folder in self.root.glob("day=*"):
            if folder.name.removeprefix("day=") < oldest_kept:
                self._remove_if_empty(folder)
        return {
            "cutoff": ecs.format_ts(cutoff),
            "partitions_deleted": len({s.day for s in gone}),
            "segments_deleted": len(gone),
            "events_deleted": sum(s.rows for s in gone),
            "files_removed": removed,
        }

    def compact(self) -> dict[str, Any]:
        before = self.catalog.live()
        by_day: dict[str, list[Segment]] = {}
        for segment in before:
            if segment.rows < SMALL_SEGMENT_ROWS:
                by_day.setdefault(segment.day, []).append(segment)
        merged = 0
        for day, small in sorted(by_day.items()):
            for group in _groups(small):
                if len(group) > 1:
                    self._merge(day, group)
                    merged += len(group)
        self._reap_retired()
        after = self.catalog.live()
        return {
            "segments_before": len(before),
            "segments_after": len(after),
            "segments_merged": merged,
            "events": sum(s.rows for s in after),
        }

    def _merge(self, day: str, group: list[Segment]) -> None:
        folder = self.root / f"day={day}"
        stem = f"b{group[-1].max_seq:012d}-m{group[0].min_seq}"
        temp = folder / f".{stem}.parquet.tmp"
        final = folder / f"{stem}.parquet"
        self._run(
            f"COPY (SELECT * FROM {self._source(group)} ORDER BY ts, seq) TO {literal(str(temp))} "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 131072)",
            group,
        )
        with temp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.rename(temp, final)
        fsync_dir(folder)
        meta = pq.read_metadata(final)
        self.catalog.replace(
            group,
            Segment(
                path=str(final.relative_to(self.root)),
                day=day,
                min_seq=min(s.min_seq for s in group),
                max_seq=max(s.max_seq for s in group),
                min_ts=min(s.min_ts for s in group),
                max_ts=max(s.max_ts for s in group),
                rows=meta.num_rows,
                bytes=final.stat().st_size,
            ),
        )

    def close(self) -> None:
        if self._duck is not None:
            self._duck.close()
            self._duck = None
        self.catalog.close()
