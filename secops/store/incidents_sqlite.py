"""Incidents, suppressions and indicators in the SQLite case store (mixed into ``SqliteCaseStore``).

Incidents are kept whole as JSON beside the columns listings filter on; an
incident and the alerts whose membership it changes are written in one
transaction with their audit entries, so the record never disagrees with the
state. Indicators are keyed by ``type:value``: the same indicator from two
feeds is one row, replaced by the later import.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from secops.cases.models import Alert, AuditEntry, Incident, Suppression
from secops.ioc.model import Indicator, IndicatorType
from secops.store.base import IncidentFilter
from secops.store.sqlite import write_txn

INCIDENT_SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY,
    num INTEGER NOT NULL UNIQUE,
    state TEXT NOT NULL,
    severity INTEGER NOT NULL,
    assignee TEXT,
    created TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS suppressions (id TEXT PRIMARY KEY, created TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS indicators (
    key TEXT PRIMARY KEY, type TEXT NOT NULL, value TEXT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS indicators_type ON indicators (type, value);
"""


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def import_digest(indicators: Sequence[Indicator]) -> str:
    """A digest of what one import brought, recorded in the audit log (same on every backend)."""
    return hashlib.sha256("\n".join(sorted(i.key for i in indicators)).encode()).hexdigest()


class SqliteCasesMore:
    """Incident, suppression and indicator methods; needs the host's ``conn``, ``_put`` and ``_append_audit``."""

    conn: sqlite3.Connection
    _put: Callable[..., None]
    _append_audit: Callable[..., AuditEntry]

    # -- incidents ------------------------------------------------------------------
    def create_incident(self, incident: Incident, *, actor: str, alerts: Sequence[Alert] = ()) -> Incident:
        with write_txn(self.conn) as conn:
            num = int(conn.execute("SELECT coalesce(max(num), 0) + 1 FROM incidents").fetchone()[0])
            ids = list(dict.fromkeys([*incident.alert_ids, *(a.id for a in alerts)]))
            created = incident.model_copy(update={"id": f"INC-{num}", "alert_ids": ids})
            conn.execute(
                "INSERT INTO incidents (id, num, state, severity, assignee, created, doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (created.id, num, *self._incident_columns(created)),
            )
            self._append_audit(conn, actor, "incident.create", f"incident:{created.id}", None, _dump(created))
            self._move_alerts(conn, [a.model_copy(update={"incident_id": created.id}) for a in alerts], actor)
        return created

    @staticmethod
    def _incident_columns(incident: Incident) -> tuple[Any, ...]:
        return (
            incident.state.value,
            incident.severity.rank,
            incident.assignee,
            _stamp(incident.created),
            incident.model_dump_json(),
        )

    def _move_alerts(self, conn: sqlite3.Connection, alerts: Sequence[Alert], actor: str) -> None:
        for alert in alerts:
            row = conn.execute("SELECT doc FROM alerts WHERE id = ?", (alert.id,)).fetchone()
            if row is None:
                raise KeyError(alert.id)
            self._put(conn, alert, insert=False)
            self._append_audit(
                conn, actor, "alert.incident", f"alert:{alert.id}", orjson.loads(row[0]), alert.model_dump(mode="json")
            )

    def get_incident(self, incident_id: str) -> Incident | None:
        row = self.conn.execute("SELECT doc FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return Incident.model_validate_json(row[0]) if row else None

    @staticmethod
    def _incident_where(flt: IncidentFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if flt.states:
            clauses.append(f"state IN ({', '.join('?' for _ in flt.states)})")
            args.extend(s.value for s in flt.states)
        if flt.assignee:
            clauses.append("assignee = ?")
            args.append(flt.assignee)
        if flt.min_severity is not None:
            clauses.append("severity >= ?")
            args.append(flt.min_severity.rank)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def incidents(
        self, flt: IncidentFilter = IncidentFilter(), *, limit: int | None = None, offset: int = 0
    ) -> list[Incident]:
        where, args = self._incident_where(flt)
        rows = self.conn.execute(
            f"SELECT doc FROM incidents{where} ORDER BY num DESC LIMIT ? OFFSET ?",
            [*args, -1 if limit is None else limit, offset],
        )
        return [Incident.model_validate_json(r[0]) for r in rows]

    def count_incidents(self, flt: IncidentFilter = IncidentFilter()) -> int:
        where, args = self._incident_where(flt)
        return int(self.conn.execute(f"SELECT count(*) FROM incidents{where}", args).fetchone()[0])

    def update_incident(self, incident: Incident, *, actor: str, action: str, alerts: Sequence[Alert] = ()) -> None:
        with write_txn(self.conn) as conn:
            row = conn.execute("SELECT doc FROM incidents WHERE id = ?", (incident.id,)).fetchone()
            if row is None:
                raise KeyError(incident.id)
            conn.execute(
                "UPDATE incidents SET state=?, severity=?, assignee=?, created=?, doc=? WHERE id=?",
                (*self._incident_columns(incident), incident.id),
            )
            self._append_audit(conn, actor, action, f"incident:{incident.id}", orjson.loads(row[0]), _dump(incident))
            self._move_alerts(conn, alerts, actor)

    # -- suppressions ---------------------------------------------------------------
    def add_suppression(self, suppression: Suppression, *, actor: str) -> None:
        with write_txn(self.conn) as conn:
            conn.execute(
                "INSERT INTO suppressions (id, created, doc) VALUES (?, ?, ?)",
                (suppression.id, _stamp(suppression.created), suppression.model_dump_json()),
            )
            self._append_audit(
                conn, actor, "suppression.add", f"suppression:{suppression.id}", None, _dump(suppression)
            )

    def suppressions(self) -> list[Suppression]:
        rows = self.conn.execute("SELECT doc FROM suppressions ORDER BY created DESC, id")
        return [Suppression.model_validate_json(r[0]) for r in rows]

    def remove_suppression(self, suppression_id: str, *, actor: str) -> bool:
        with write_txn(self.conn) as conn:
            row = conn.execute("SELECT doc FROM suppressions WHERE id = ?", (suppression_id,)).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM suppressions WHERE id = ?", (suppression_id,))
            self._append_audit(
                conn, actor, "suppression.remove", f"suppression:{suppression_id}", orjson.loads(row[0]), None
            )
        return True

    # -- indicators -----------------------------------------------------------------
    def add_indicators(self, indicators: Sequence[Indicator], *, actor: str, source: str) -> int:
        unique = list({i.key: i for i in indicators}.values())
        with write_txn(self.conn) as conn:
            before = int(conn.execute("SELECT count(*) FROM indicators").fetchone()[0])
            conn.executemany(
                "INSERT INTO indicators (key, type, value, doc) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET doc=excluded.doc",
                [(i.key, i.type.value, i.value, i.model_dump_json()) for i in unique],
            )
            new = int(conn.execute("SELECT count(*) FROM indicators").fetchone()[0]) - before
            after = {"source": source, "indicators": len(unique), "new": new, "sha256": import_digest(unique)}
            self._append_audit(conn, actor, "ioc.import", f"ioc:{source}", None, after)
        return new

    def indicators(
        self, kind: IndicatorType | None = None, *, limit: int | None = None, offset: int = 0
    ) -> list[Indicator]:
        where, args = (" WHERE type = ?", [kind.value]) if kind else ("", [])
        rows = self.conn.execute(
            f"SELECT doc FROM indicators{where} ORDER BY type, value LIMIT ? OFFSET ?",
            [*args, -1 if limit is None else limit, offset],
        )
        return [Indicator.model_validate_json(r[0]) for r in rows]

    def count_indicators(self, kind: IndicatorType | None = None) -> int:
        where, args = (" WHERE type = ?", [kind.value]) if kind else ("", [])
        return int(self.conn.execute(f"SELECT count(*) FROM indicators{where}", args).fetchone()[0])


def _dump(model: Incident | Suppression) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json")
    return data
