"""``CaseStore`` on Elasticsearch: alerts, audit log and job watermarks in their own indices.

- Alerts: ``_id`` = alert id (derived from the dedup key), so a repeated
  detection is a 409 on ``create`` and is merged into the stored alert under
  optimistic concurrency (``if_seq_no``), the way the embedded store merges.
- Audit: one document per entry with ``_id`` = its sequence number, written
  with ``create``; a writer that loses the race for a number reads the
  winner (a realtime GET) and chains after it. ``before``/``after`` are kept
  as the exact JSON text that was hashed, so ``audit verify`` recomputes the
  same chain on either backend.
- Watermarks: in the cluster, beside the alerts they account for.
- Checkpoints: in the local SQLite state database. They are positions in
  files on this machine, committed with each stored batch, and must be
  committable while the cluster is down and events go to the local spool.

Case writes are searchable when the call returns (``layout.CASE_REFRESH``).
A detection run's alerts go in one bulk request and one refresh, not one
refresh each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import orjson
from elastic_transport import TransportError
from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError

from secops.cases.models import Alert, AuditEntry, Checkpoint
from secops.config import Config
from secops.errors import StoreError
from secops.store import elastic_layout as layout
from secops.store.base import AlertFilter, CaseStore
from secops.store.cases_sqlite import GENESIS, SqliteCaseStore, audit_hash, sortable
from secops.store.catalog import CHECKPOINT_SCHEMA, read_checkpoint, upsert_checkpoints
from secops.store.elastic_client import Secrets, call, connect, translate
from secops.store.elastic_incidents import ElasticCasesMore
from secops.store.sqlite import STATE_DB, write_txn
from secops.store.sqlite import connect as sqlite_connect

PAGE = 1_000
T = TypeVar("T")


def _alert_doc(alert: Alert) -> dict[str, Any]:
    entities = alert.entities
    return {
        "id": alert.id,
        "dedup_key": alert.dedup_key,
        "timestamp": sortable(alert.timestamp),
        "severity": alert.severity.rank,
        "status": alert.status.value,
        "rule_id": alert.rule.id,
        "rule_name": alert.rule.name,
        "incident_id": alert.incident_id,
        "assignee": alert.assignee,
        "hosts": entities.hosts,
        "users": entities.users,
        "ips": entities.ips,
        "processes": entities.processes,
        "files": entities.files,
        "techniques": alert.techniques,
        "tactics": alert.tactics,
        "doc": alert.model_dump_json(),
    }


def _filter_dsl(flt: AlertFilter) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = []
    if flt.status:
        clauses.append({"terms": {"status": [s.value for s in flt.status]}})
    if flt.min_severity is not None:
        clauses.append({"range": {"severity": {"gte": flt.min_severity.rank}}})
    if flt.rule:
        pattern = "*" + flt.rule.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?") + "*"
        clauses.append(
            {
                "bool": {
                    "should": [
                        {"term": {"rule_id": flt.rule}},
                        {"wildcard": {"rule_name": {"value": pattern, "case_insensitive": True}}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    for field, value in (
        ("incident_id", flt.incident_id),
        ("assignee", flt.assignee),
        ("ips", flt.ip),
        ("tactics", flt.tactic),
    ):
        if value:
            clauses.append({"term": {field: value}})
    # Host and user names compare without case (entities.py); a technique takes in its sub-techniques.
    for field, value in (("hosts", flt.host), ("users", flt.user)):
        if value:
            clauses.append({"term": {field: {"value": value, "case_insensitive": True}}})
    if flt.technique:
        technique = {
            "bool": {
                "should": [{"term": {"techniques": flt.technique}}, {"prefix": {"techniques": f"{flt.technique}."}}]
            }
        }
        clauses.append(technique)
    if flt.ungrouped:
        clauses.append({"bool": {"must_not": [{"exists": {"field": "incident_id"}}]}})
    bounds = {}
    if flt.window.since:
        bounds["gte"] = sortable(flt.window.since)
    if flt.window.until:
        bounds["lt"] = sortable(flt.window.until)
    if bounds:
        clauses.append({"range": {"timestamp": bounds}})
    return {"bool": {"filter": clauses}}


class ElasticCaseStore(ElasticCasesMore, CaseStore):
    """Cases in ``<prefix>-alerts``, ``<prefix>-audit`` and ``<prefix>-state``; checkpoints local."""

    def __init__(
        self, client: Elasticsearch, data_dir: Path, *, prefix: str = "secops", secrets: Secrets | None = None
    ):
        self.client = client
        self.prefix = prefix
        self.secrets = secrets or Secrets(())
        self.alerts_index = layout.case_index(prefix, "alerts")
        self.audit_index = layout.case_index(prefix, "audit")
        self.state_index = layout.case_index(prefix, "state")
        self.state = sqlite_connect(data_dir / STATE_DB)
        self.state.executescript(CHECKPOINT_SCHEMA)
        self._ready = False

    @classmethod
    def from_config(cls, config: Config, data_dir: Path) -> ElasticCaseStore:
        client, secrets = connect(config.es)
        return cls(client, data_dir, prefix=config.es.index_prefix, secrets=secrets)

    def _call(self, where: str, fn: Callable[[], T]) -> T:
        if not self._ready:
            self._ready = True
            try:
                if not self.client.indices.exists(index=self.audit_index):
                    layout.setup(self.client, self.prefix)
            except (ApiError, TransportError) as exc:
                self._ready = False
                raise translate(exc, self.secrets, "es setup") from None
        return call(fn, self.secrets, where)

    # -- checkpoints and watermarks -------------------------------------------------
    def checkpoint(self, key: str) -> Checkpoint | None:
        return read_checkpoint(self.state, key)

    def save_checkpoints(self, checkpoints: Sequence[Checkpoint]) -> None:
        with write_txn(self.state) as conn:
            upsert_checkpoints(conn, checkpoints)

    def watermark(self, name: str) -> str | None:
        def read() -> str | None:
            try:
                return str(self.client.get(index=self.state_index, id=name)["_source"]["cursor"])
            except NotFoundError:
                return None

        return self._call("watermark", read)

    def set_watermark(self, name: str, cursor: str) -> None:
        doc = {"cursor": cursor, "updated": datetime.now(UTC).isoformat()}
        self._call("set_watermark", lambda: self.client.index(index=self.state_index, id=name, document=doc))

    # -- alerts ---------------------------------------------------------------------
    def add_alerts(self, alerts: Sequence[Alert]) -> list[Alert]:
        if not alerts:
            return []
        created = self._call("add_alerts", lambda: self._create_all(alerts))
        new: list[Alert] = []
        for alert, made in zip(alerts, created, strict=True):
            if made:
                new.append(alert)
            else:
                self._merge_into(alert)
        self._call("add_alerts", lambda: self.client.indices.refresh(index=self.alerts_index))
        return new

    def _create_all(self, alerts: Sequence[Alert]) -> list[bool]:
        """``create`` the alerts in bulk requests: True where it was new, False where its id exists (409).

        Operations on one id run in request order, so a repeat within the batch
        is a 409 behind its first and is merged like any repeat. ``PAGE`` alerts per request.
        """
        outcomes: list[bool] = []
        for start in range(0, len(alerts), PAGE):
            operations: list[dict[str, Any]] = []
            for alert in alerts[start : start + PAGE]:
                operations += [{"create": {"_index": self.alerts_index, "_id": alert.id}}, _alert_doc(alert)]
            response = self.client.bulk(operations=operations, filter_path="items.*.status,items.*.error")
            for item in response["items"]:
                detail = item["create"]
                if detail["status"] not in (201, 409):
                    error = detail.get("error", {})
                    raise StoreError(
                        f"alert not stored ({detail['status']} {error.get('type', '')}: {error.get('reason', '')})",
                        where="add_alerts",
                    )
                outcomes.append(detail["status"] == 201)
        return outcomes

    def _merge_into(self, again: Alert) -> None:
        def merge() -> None:
            while True:
                found = self.client.get(index=self.alerts_index, id=again.id)
                existing = Alert.model_validate_json(found["_source"]["doc"])
                merged = SqliteCaseStore._merge(existing, again)
                if merged is existing:
                    return
                try:
                    self.client.index(
                        index=self.alerts_index,
                        id=again.id,
                        document=_alert_doc(merged),
                        if_seq_no=found["_seq_no"],
                        if_primary_term=found["_primary_term"],
                    )  # no refresh: add_alerts refreshes once for the batch
                    return
                except ConflictError:
                    continue  # someone else merged first: merge into theirs

        self._call("add_alerts", merge)

    def _sorted(self, query: dict[str, Any], sort: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after else {}
            found = self._call(
                "alerts",
                lambda extra=extra: self.client.search(  # type: ignore[misc]
                    index=self.alerts_index, query=query, sort=sort, size=PAGE, track_total_hits=False, **extra
                ),
            )
            hits = found["hits"]["hits"]
            for hit in hits:
                yield hit["_source"]
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    def alerts(
        self,
        flt: AlertFilter = AlertFilter(),
        *,
        limit: int | None = None,
        offset: int = 0,
        sort: Literal["time", "severity"] = "time",
        newest_first: bool = True,
    ) -> list[Alert]:
        direction = "desc" if newest_first else "asc"
        order = [{"timestamp": direction}, {"id": "asc"}]
        if sort == "severity":
            order.insert(0, {"severity": direction})
        out: list[Alert] = []
        for position, source in enumerate(self._sorted(_filter_dsl(flt), order)):
            if position < offset:
                continue
            if limit is not None and len(out) >= limit:
                break
            out.append(Alert.model_validate_json(source["doc"]))
        return out

    def count_alerts(self, flt: AlertFilter = AlertFilter()) -> int:
        found = self._call("count_alerts", lambda: self.client.count(index=self.alerts_index, query=_filter_dsl(flt)))
        return int(found["count"])

    def get_alert(self, alert_id: str) -> Alert | None:
        def get() -> Alert | None:
            try:
                found = self.client.get(index=self.alerts_index, id=alert_id)
            except NotFoundError:
                return None
            return Alert.model_validate_json(found["_source"]["doc"])

        return self._call("get_alert", get)

    def update_alert(self, alert: Alert, *, actor: str, action: str) -> None:
        before = self.get_alert(alert.id)
        if before is None:
            raise KeyError(alert.id)
        doc = _alert_doc(alert)
        self._call(
            "update_alert",
            lambda: self.client.index(index=self.alerts_index, id=alert.id, document=doc, refresh=layout.CASE_REFRESH),
        )
        self.audit(
            actor, action, f"alert:{alert.id}", orjson.loads(before.model_dump_json()), alert.model_dump(mode="json")
        )

    # -- audit log --------------------------------------------------------------------
    def audit(
        self, actor: str, action: str, target: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> AuditEntry:
        before_json = orjson.dumps(before, default=str).decode() if before is not None else None
        after_json = orjson.dumps(after, default=str).decode() if after is not None else None
        seq, prev = self._tail()
        while True:
            ts = sortable(datetime.now(UTC))
            digest = audit_hash(prev, seq, ts, actor, action, target, before_json, after_json)
            doc = {
                "seq": seq,
                "ts": ts,
                "actor": actor,
                "action": action,
                "target": target,
                "before": before_json,
                "after": after_json,
                "prev_hash": prev,
                "hash": digest,
            }
            if not self._call("audit", lambda s=seq, d=doc: self._create_entry(s, d)):  # type: ignore[misc]
                # Another writer took this number: chain after its entry.
                taken = self._call("audit", lambda s=seq: self.client.get(index=self.audit_index, id=str(s)))  # type: ignore[misc]
                seq, prev = seq + 1, taken["_source"]["hash"]
                continue
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

    def _create_entry(self, seq: int, doc: dict[str, Any]) -> bool:
        try:
            self.client.create(index=self.audit_index, id=str(seq), document=doc, refresh=layout.CASE_REFRESH)
        except ConflictError:
            return False
        return True

    def _tail(self) -> tuple[int, str]:
        """The next sequence number and the hash to chain to."""
        found = self._call(
            "audit",
            lambda: self.client.search(index=self.audit_index, sort=[{"seq": "desc"}], size=1, track_total_hits=False),
        )
        hits = found["hits"]["hits"]
        if not hits:
            return 1, GENESIS
        return int(hits[0]["_source"]["seq"]) + 1, str(hits[0]["_source"]["hash"])

    def audit_entries(self) -> Iterator[AuditEntry]:
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after else {}
            found = self._call(
                "audit_entries",
                lambda extra=extra: self.client.search(  # type: ignore[misc]
                    index=self.audit_index, sort=[{"seq": "asc"}], size=PAGE, track_total_hits=False, **extra
                ),
            )
            hits = found["hits"]["hits"]
            for hit in hits:
                src = hit["_source"]
                yield AuditEntry(
                    seq=src["seq"],
                    timestamp=datetime.fromisoformat(src["ts"]),
                    actor=src["actor"],
                    action=src["action"],
                    target=src["target"],
                    before=orjson.loads(src["before"]) if src["before"] else None,
                    after=orjson.loads(src["after"]) if src["after"] else None,
                    prev_hash=src["prev_hash"],
                    hash=src["hash"],
                )
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    def close(self) -> None:
        self.state.close()
        self.client.close()
