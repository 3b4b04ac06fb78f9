"""The segment catalog: which Parquet files are live, in what ingest order.

Readers list segments here instead of the directory, so a half-written file,
an orphan from a crashed writer, or a segment replaced by compaction is never
seen. Every write is a *batch* with a sequence number taken before its files
are written; the batch commits (segments live, source checkpoints advanced)
in one SQLite transaction. Scheduled detection reads by sequence and stops
below the oldest batch still in flight, so nothing committed late is skipped.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from secops.cases.models import Checkpoint
from secops.store.sqlite import connect, write_txn

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'committed', 'aborted')),
    pid INTEGER NOT NULL,
    started REAL NOT NULL,
    rows INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    min_seq INTEGER NOT NULL,
    max_seq INTEGER NOT NULL,
    min_ts INTEGER NOT NULL,
    max_ts INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    dead_since REAL
);
CREATE INDEX IF NOT EXISTS segments_live ON segments (dead_since, day);
"""
CHECKPOINT_SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (
    key TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    updated TEXT NOT NULL
);
"""

STALE_PENDING_SECONDS = 600.0
"""A pending batch older than this is abandoned even if its pid was reused."""
DELETE_GRACE_SECONDS = 120.0
"""Replaced segment files stay on disk this long so queries already running can finish."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One immutable Parquet file: its partition day, sequence span and time span (µs since epoch)."""

    path: str
    day: str
    min_seq: int
    max_seq: int
    min_ts: int
    max_ts: int
    rows: int
    bytes: int


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def upsert_checkpoints(conn: sqlite3.Connection, checkpoints: Sequence[Checkpoint]) -> None:
    """Record source positions (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO checkpoints (key, position, name, updated) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET position=excluded.position, name=excluded.name, updated=excluded.updated",
        [(c.key, c.position, c.name, c.updated.isoformat()) for c in checkpoints],
    )


def read_checkpoint(conn: sqlite3.Connection, key: str) -> Checkpoint | None:
    row = conn.execute("SELECT key, position, name, updated FROM checkpoints WHERE key = ?", (key,)).fetchone()
    return Checkpoint(key=row[0], position=row[1], name=row[2], updated=row[3]) if row else None


class Catalog:
    """The live-segment list and batch sequence of one data directory."""

    def __init__(self, db_path: Path) -> None:
        self.conn = connect(db_path)
        self.conn.executescript(SCHEMA + CHECKPOINT_SCHEMA)

    def begin_batch(self) -> int:
        """Take the next sequence number; the batch is pending until committed."""
        cur = self.conn.execute(
            "INSERT INTO batches (state, pid, started) VALUES ('pending', ?, ?)", (os.getpid(), time.time())
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def commit_batch(self, seq: int, segments: Sequence[Segment], checkpoints: Sequence[Checkpoint]) -> None:
        """Make a batch's segments live and advance its sources' checkpoints, atomically."""
        with write_txn(self.conn) as conn:
            state = conn.execute("SELECT state FROM batches WHERE id = ?", (seq,)).fetchone()
            if state is None or state[0] != "pending":
                raise RuntimeError(f"batch {seq} is no longer pending (reaped as abandoned?)")
            self._insert(conn, segments)
            conn.execute(
                "UPDATE batches SET state='committed', rows=? WHERE id=?", (sum(s.rows for s in segments), seq)
            )
            upsert_checkpoints(conn, checkpoints)

    def abort_batch(self, seq: int) -> None:
        self.conn.execute("UPDATE batches SET state='aborted' WHERE id=? AND state='pending'", (seq,))

    @staticmethod
    def _insert(conn: sqlite3.Connection, segments: Sequence[Segment]) -> None:
        conn.executemany(
            "INSERT INTO segments (path, day, min_seq, max_seq, min_ts, max_ts, rows, bytes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(s.path, s.day, s.min_seq, s.max_seq, s.min_ts, s.max_ts, s.rows, s.bytes) for s in segments],
        )

    def live(
        self,
        *,
        since_us: int | None = None,
        until_us: int | None = None,
        after_seq: int | None = None,
        upto_seq: int | None = None,
    ) -> list[Segment]:
        """Live segments overlapping a time range and/or a sequence range."""
        sql = "SELECT path, day, min_seq, max_seq, min_ts, max_ts, rows, bytes FROM segments WHERE dead_since IS NULL"
        args: list[int] = []
        for clause, value in (
            (" AND max_ts >= ?", since_us),
            (" AND min_ts < ?", until_us),
            (" AND max_seq > ?", after_seq),
            (" AND min_seq <= ?", upto_seq),
        ):
            if value is not None:
                sql += clause
                args.append(value)
        return [Segment(*row) for row in self.conn.execute(sql + " ORDER BY min_seq", args)]

    def safe_seq(self) -> int:
        """The highest sequence below which no batch is still being written."""
        self.reap_abandoned()
        row = self.conn.execute(
            "SELECT (SELECT min(id) FROM batches WHERE state='pending'), (SELECT max(id) FROM batches)"
        ).fetchone()
        oldest_pending, newest = row
        if oldest_pending is not None:
            return int(oldest_pending) - 1
        return int(newest or 0)

    def committed_batches(self, after: int, upto: int) -> list[tuple[int, int]]:
        """(sequence, rows) of committed batches in ``(after, upto]``, in order."""
        return list(
            self.conn.execute(
                "SELECT id, rows FROM batches WHERE state='committed' AND id > ? AND id <= ? ORDER BY id",
                (after, upto),
            )
        )

    def reap_abandoned(self) -> list[int]:
        """Mark batches of writers that died (SIGKILL, power loss) as aborted; returns their ids."""
        now = time.time()
        dead = [
            seq
            for seq, pid, started in self.conn.execute("SELECT id, pid, started FROM batches WHERE state='pending'")
            if not _alive(pid) or now - started > STALE_PENDING_SECONDS
        ]
        for seq in dead:
            self.abort_batch(seq)
        return dead

    def replace(self, old: Sequence[Segment], new: Segment) -> None:
        """Swap segments for their merged copy in one step; old files die after a grace period."""
        with write_txn(self.conn) as conn:
            conn.executemany(
                "UPDATE segments SET dead_since=? WHERE path=? AND dead_since IS NULL",
                [(time.time(), s.path) for s in old],
            )
            self._insert(conn, [new])

    def drop_days_before(self, day: str) -> list[Segment]:
        """Retire whole partitions older than ``day`` (ISO date); returns what was retired."""
        with write_txn(self.conn) as conn:
            gone = [
                Segment(*row)
                for row in conn.execute(
                    "SELECT path, day, min_seq, max_seq, min_ts, max_ts, rows, bytes FROM segments "
                    "WHERE dead_since IS NULL AND day < ?",
                    (day,),
                )
            ]
            conn.execute("UPDATE segments SET dead_since=? WHERE dead_since IS NULL AND day < ?", (time.time(), day))
        return gone

    def expired_dead(self, grace: float = DELETE_GRACE_SECONDS) -> list[str]:
        """Paths of retired segments whose grace period is over (their rows are removed)."""
        cutoff = time.time() - grace
        with write_txn(self.conn) as conn:
            paths = [r[0] for r in conn.execute("SELECT path FROM segments WHERE dead_since < ?", (cutoff,))]
            conn.execute("DELETE FROM segments WHERE dead_since < ?", (cutoff,))
        return paths

    def aborted_batches(self) -> set[int]:
        """Sequences of batches that will never commit: files named after them are orphans."""
        return {r[0] for r in self.conn.execute("SELECT id FROM batches WHERE state = 'aborted'")}

    def close(self) -> None:
        self.conn.close()
