"""The embedded case store: alerts, audit log, checkpoints and watermarks in SQLite (WAL).

Alerts are kept whole as JSON beside the columns triage filters and sorts on;
their entities and ATT&CK ids go to a facet table so "alerts about host X"
is an index lookup. Every analyst change is written together with its
hash-chained audit entry in one transaction.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from secops.cases.models import Alert, AuditEntry, Checkpoint
from secops.store.base import AlertFilter, AlertGroup, AuditRecord, CaseStore
from secops.store.catalog import CHECKPOINT_SCHEMA, read_checkpoint, upsert_checkpoints
from secops.store.incidents_sqlite import INCIDENT_SCHEMA, SqliteCasesMore
from secops.store.sqlite import connect, write_txn
from secops.types import Severity

SCHEMA = """
CREATE TABLE IF NOT EXISTS watermarks (name TEXT PRIMARY KEY, cursor TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    ts TEXT NOT NULL,
    severity INTEGER NOT NULL,
    status TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    incident_id TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_ts ON alerts (ts);
CREATE INDEX IF NOT EXISTS alerts_status_ts ON alerts (status, ts);
CREATE INDEX IF NOT EXISTS alerts_severity_ts ON alerts (severity, ts);
CREATE INDEX IF NOT EXISTS alerts_recent ON alerts (ts DESC, id, status, severity);
CREATE TABLE IF NOT EXISTS alert_facets (
    kind TEXT NOT NULL, value TEXT NOT NULL, alert_id TEXT NOT NULL, PRIMARY KEY (kind, value, alert_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alert_facets_alert ON alert_facets (alert_id);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
"""

GENESIS = "0" * 64
MAX_EVENTS_PER_ALERT = 1000
"""A long-running detection keeps its first matched events; the count keeps growing in ``details``."""


def sortable(moment: datetime) -> str:
    """Fixed-width UTC text whose order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def audit_hash(
    prev_hash: str, seq: int, ts: str, actor: str, action: str, target: str, before: str | None, after: str | None
) -> str:
    """The chain link: a hash over the previous link and every field of this entry."""
    body = orjson.dumps([prev_hash, seq, ts, actor, action, target, before, after])
    return hashlib.sha256(body).hexdigest()


_FACET_OF = {"host": "hosts", "user": "users", "ip": "ips", "technique": "technique", "tactic": "tactic"}
_COLUMN_OF = {
    "rule": "rule_name",
    "severity": "severity",
    "status": "status",
    "incident": "incident_id",
    "assignee": "json_extract(doc, '$.assignee')",
}


def _facets(alert: Alert) -> list[tuple[str, str, str]]:
    pairs = alert.entities.values()
    pairs += [("technique", t) for t in alert.techniques] + [("tactic", t) for t in alert.tactics]
    return [(kind, value, alert.id) for kind, value in pairs]


class SqliteCaseStore(SqliteCasesMore, CaseStore):
    """Cases in ``<data dir>/secops.db``; incidents, suppressions and indicators come from ``SqliteCasesMore``."""

    def __init__(self, path: Path) -> None:
        self.conn = connect(path)
        self.conn.executescript(CHECKPOINT_SCHEMA + SCHEMA + INCIDENT_SCHEMA)

    # -- checkpoints and watermarks -------------------------------------------------
    def checkpoint(self, key: str) -> Checkpoint | None:
        return read_checkpoint(self.conn, key)

    def save_checkpoints(self, checkpoints: Sequence[Checkpoint]) -> None:
        with write_txn(self.conn) as conn:
            upsert_checkpoints(conn, checkpoints)

    def watermark(self, name: str) -> str | None:
        row = self.conn.execute("SELECT cursor FROM watermarks WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_watermark(self, name: str, cursor: str) -> None:
        self.conn.execute(
            "INSERT INTO watermarks (name, cursor, updated) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET cursor=excluded.cursor, updated=excluded.updated",
            (name, cursor, sortable(datetime.now(UTC))),
        )

    # -- alerts ---------------------------------------------------------------------
    def add_alerts(self, alerts: Sequence[Alert]) -> list[Alert]:
        new: list[Alert] = []
        with write_txn(self.conn) as conn:
            for alert in alerts:
                row = conn.execute("SELECT doc FROM alerts WHERE dedup_key = ?", (alert.dedup_key,)).fetchone()
                if row is None:
                    self._put(conn, alert, insert=True)
                    new.append(alert)
                else:
                    self._put(conn, self._merge(Alert.model_validate_json(row[0]), alert), insert=False)
        return new

    @staticmethod
    def _merge(existing: Alert, again: Alert) -> Alert:
        """The same detection seen again: add the events not yet listed; state stays the analyst's."""
        known = {e.id for e in existing.events}
        extra = [e for e in again.events if e.id not in known]
        if not extra:
            return existing
        merged = existing.model_copy(deep=True)
        merged.events.extend(extra[: max(0, MAX_EVENTS_PER_ALERT - len(merged.events))])
        merged.details["event_count"] = int(existing.details.get("event_count", len(existing.events))) + len(extra)
        return merged

    @staticmethod
    def _put(conn: sqlite3.Connection, alert: Alert, *, insert: bool) -> None:
        values = (
            sortable(alert.timestamp),
            alert.severity.rank,
            alert.status.value,
            alert.rule.id,
            alert.rule.name,
            alert.incident_id,
            alert.model_dump_json(),
            alert.id,
        )
        if insert:
            conn.execute(
                "INSERT INTO alerts (ts, severity, status, rule_id, rule_name, incident_id, doc, id, dedup_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, alert.dedup_key),
            )
        else:
            conn.execute(
                "UPDATE alerts SET ts=?, severity=?, status=?, rule_id=?, rule_name=?, incident_id=?, doc=? WHERE id=?",
                values,
            )
            conn.execute("DELETE FROM alert_facets WHERE alert_id = ?", (alert.id,))
        conn.executemany("INSERT OR IGNORE INTO alert_facets (kind, value, alert_id) VALUES (?, ?, ?)", _facets(alert))

    @staticmethod
    def _filter_sql(flt: AlertFilter, *, ordered: bool = False) -> tuple[str, list[Any]]:
        """WHERE clause and arguments; ``ordered`` for listings sorted by time.

        Sorted listings write the status test as ``+status`` so that SQLite walks the
        newest-first ``alerts_recent`` index and stops after a page, instead of taking
        every open alert from the status index and sorting them all.
        """
        clauses: list[str] = []
        args: list[Any] = []
        if flt.status:
            clauses.append(f"{'+' if ordered else ''}status IN ({', '.join('?' for _ in flt.status)})")
            args.extend(s.value for s in flt.status)
        if flt.min_severity is not None:
            clauses.append("severity >= ?")
            args.append(flt.min_severity.rank)
        if flt.rule:
            clauses.append("(rule_id = ? OR rule_name LIKE ?)")
            args.extend([flt.rule, f"%{flt.rule}%"])
        if flt.incident_id:
            clauses.append("incident_id = ?")
            args.append(flt.incident_id)
        if flt.ungrouped:
            clauses.append("incident_id IS NULL")
        if flt.assignee:
            clauses.append("json_extract(doc, '$.assignee') = ?")
            args.append(flt.assignee)
        # Host and user names compare without case (entities.py); a technique takes in its sub-techniques
        # (T1110 finds T1110.003: the ids between "T1110." and "T1110/", "/" being the character after ".").
        for kind, value, test in (
            ("hosts", flt.host, "value = ? COLLATE NOCASE"),
            ("users", flt.user, "value = ? COLLATE NOCASE"),
            ("ips", flt.ip, "value = ?"),
            ("technique", flt.technique, "(value = ? OR (value > ? || '.' AND value < ? || '/'))"),
            ("tactic", flt.tactic, "value = ?"),
        ):
            if value:
                clauses.append(f"id IN (SELECT alert_id FROM alert_facets WHERE kind = ? AND {test})")
                args.extend([kind, *[value] * test.count("?")])
        if flt.window.since:
            clauses.append("ts >= ?")
            args.append(sortable(flt.window.since))
        if flt.window.until:
            clauses.append("ts < ?")
            args.append(sortable(flt.window.until))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def alerts(
        self,
        flt: AlertFilter = AlertFilter(),
        *,
        limit: int | None = None,
        offset: int = 0,
        sort: Literal["time", "severity"] = "time",
        newest_first: bool = True,
    ) -> list[Alert]:
        where, args = self._filter_sql(flt, ordered=True)
        direction = "DESC" if newest_first else "ASC"
        order = f"severity {direction}, ts {direction}" if sort == "severity" else f"ts {direction}"
        # Page on the narrow index first, then read only that page's documents.
        sql = (
            f"SELECT doc FROM alerts WHERE rowid IN (SELECT rowid FROM alerts{where} ORDER BY {order}, id "
            f"LIMIT ? OFFSET ?) ORDER BY {order}, id"
        )
        rows = self.conn.execute(sql, [*args, -1 if limit is None else limit, offset])
        return [Alert.model_validate_json(r[0]) for r in rows]

    def scan_alerts(self, flt: AlertFilter = AlertFilter()) -> Iterator[Alert]:
        where, args = self._filter_sql(flt, ordered=True)
        cursor = self.conn.execute(f"SELECT doc FROM alerts{where} ORDER BY ts, id", args)
        while rows := cursor.fetchmany(1_000):
            yield from (Alert.model_validate_json(r[0]) for r in rows)

    def count_alerts(self, flt: AlertFilter = AlertFilter()) -> int:
        where, args = self._filter_sql(flt)
        return int(self.conn.execute(f"SELECT count(*) FROM alerts{where}", args).fetchone()[0])

    def alert_counts(self, flt: AlertFilter, by: AlertGroup, *, size: int = 50) -> list[tuple[str, int]]:
        where, args = self._filter_sql(flt)
        if by in _FACET_OF:
            selected = f" AND alert_id IN (SELECT id FROM alerts{where})" if where else ""
            sql = (
                f"SELECT value, count(*) AS n FROM alert_facets WHERE kind = ?{selected} "
                "GROUP BY value ORDER BY n DESC, value LIMIT ?"
            )
            rows = self.conn.execute(sql, [_FACET_OF[by], *args, size]).fetchall()
        else:
            sql = (
                f"SELECT {_COLUMN_OF[by]} AS v, count(*) AS n FROM alerts{where} GROUP BY v ORDER BY n DESC, v LIMIT ?"
            )
            rows = self.conn.execute(sql, [*args, size]).fetchall()
        if by == "severity":
            return [(list(Severity)[v].value, int(n)) for v, n in rows]
        return [("" if v is None else str(v), int(n)) for v, n in rows]

    def get_alert(self, alert_id: str) -> Alert | None:
        row = self.conn.execute("SELECT doc FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return Alert.model_validate_json(row[0]) if row else None

    def update_alert(self, alert: Alert, *, actor: str, action: str) -> None:
        self.update_alerts([alert], actor=actor, action=action)

    def update_alerts(self, alerts: Sequence[Alert], *, actor: str, action: str) -> None:
        with write_txn(self.conn) as conn:
            for alert in alerts:
                row = conn.execute("SELECT doc FROM alerts WHERE id = ?", (alert.id,)).fetchone()
                if row is None:
                    raise KeyError(alert.id)
                self._put(conn, alert, insert=False)
                before = orjson.loads(row[0])
                self._append_audit(conn, actor, action, f"alert:{alert.id}", before, alert.model_dump(mode="json"))

    # -- audit log --------------------------------------------------------------------
    def audit(
        self, actor: str, action: str, target: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> AuditEntry:
        with write_txn(self.conn) as conn:
            return self._append_audit(conn, actor, action, target, before, after)

    @staticmethod
    def _append_audit(
        conn: sqlite3.Connection,
        actor: str,
        action: str,
        target: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> AuditEntry:
        last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        ts = sortable(datetime.now(UTC))
        before_json = orjson.dumps(before, default=str).decode() if before is not None else None
        after_json = orjson.dumps(after, default=str).decode() if after is not None else None
        digest = audit_hash(prev, seq, ts, actor, action, target, before_json, after_json)
        conn.execute(
            "INSERT INTO audit (seq, ts, actor, action, target, before, after, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, ts, actor, action, target, before_json, after_json, prev, digest),
        )
        return AuditEntry(
            seq=seq,
            timestamp=datetime.fromisoformat(ts),
            actor=actor,
            action=action,
            target=target,
            before=before,
            after=after,
            prev_hash=prev,
            hash=digest,
        )

    def audit_entries(self) -> Iterator[AuditEntry]:
        rows = self.conn.execute(
            "SELECT seq, ts, actor, action, target, before, after, prev_hash, hash FROM audit ORDER BY seq"
        )
        for seq, ts, actor, action, target, before, after, prev, digest in rows:
            yield AuditEntry(
                seq=seq,
                timestamp=datetime.fromisoformat(ts),
                actor=actor,
                action=action,
                target=target,
                before=orjson.loads(before) if before else None,
                after=orjson.loads(after) if after else None,
                prev_hash=prev,
                hash=digest,
            )

    def audit_records(self) -> Iterator[AuditRecord]:
        rows = self.conn.execute(
            "SELECT seq, ts, actor, action, target, before, after, prev_hash, hash FROM audit ORDER BY seq"
        )
        for row in rows:
            yield AuditRecord(*tuple(row))

    def close(self) -> None:
        self.conn.close()
