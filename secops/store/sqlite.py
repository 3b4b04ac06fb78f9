"""SQLite connections for the state database: WAL, short write transactions, no reader waits.

In WAL mode readers never block and are never blocked; writers queue for a
few milliseconds at most because every write transaction here is small.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STATE_DB = "secops.db"
"""The SQLite file under the data directory: segment catalog, checkpoints, watermarks, cases."""
BUSY_TIMEOUT_MS = 30_000


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode with WAL and a generous busy timeout for writers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not path.exists()
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    if fresh:
        # Cases and the audit log are for the owner only; SQLite gives its WAL files the database's mode.
        # (chmod, not a descriptor of our own: closing any descriptor of the file drops this process's
        # POSIX locks on it, which SQLite's other connections here rely on.)
        path.chmod(0o600)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.row_factory = sqlite3.Row
    return conn


@contextmanager
def write_txn(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """An IMMEDIATE transaction: takes the write lock up front, commits or rolls back as one."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
