"""Incidents, suppressions, indicators, alert counts and raw audit records on Elasticsearch.

Mixed into ``ElasticCaseStore``. Incidents live in ``<prefix>-incidents``
(``_id`` = ``INC-<n>``; a new number is taken with ``create``, so two
analysts creating at once get two numbers), suppressions and indicators in
indices of their own (``templates/suppressions.json``, ``indicators.json``),
created on first use. Changes are searchable when the call returns
(``layout.CASE_REFRESH``) and audited through the store's hash chain, like alert changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import orjson
from elasticsearch import ConflictError, Elasticsearch, NotFoundError, helpers

from secops.cases.models import Alert, AuditEntry, Incident, Suppression
from secops.ioc.model import Indicator, IndicatorType
from secops.store import elastic_layout as layout
from secops.store.base import AlertFilter, AlertGroup, AuditRecord, IncidentFilter
from secops.store.cases_sqlite import sortable
from secops.store.incidents_sqlite import import_digest

T = TypeVar("T")
PAGE = 1_000
OWN_INDICES = ("suppressions", "indicators")
GROUP_FIELDS: dict[str, str] = {
    "rule": "rule_name",
    "severity": "severity",
    "status": "status",
    "host": "hosts",
    "user": "users",
    "ip": "ips",
    "technique": "techniques",
    "tactic": "tactics",
    "incident": "incident_id",
    "assignee": "assignee",
}
SCALAR_GROUPS = {"incident", "assignee"}
"""Groups where an alert without a value counts under the empty string, as on the embedded store."""


class ElasticCasesMore:
    """Mixed into ``ElasticCaseStore``, whose client, index names, ``_call``, ``audit`` and ``update_alert`` it uses."""

    client: Elasticsearch
    prefix: str
    alerts_index: str
    audit_index: str
    _call: Callable[..., Any]
    audit: Callable[..., AuditEntry]
    update_alert: Callable[..., None]

    def _index(self, kind: str) -> str:
        name = layout.case_index(self.prefix, kind)
        ensured: set[str] = self.__dict__.setdefault("_ensured", set())
        if kind in OWN_INDICES and name not in ensured:

            def create() -> None:
                if not self.client.indices.exists(index=name):
                    self.client.options(ignore_status=400).indices.create(
                        index=name, **layout.template_file(f"{kind}.json")
                    )

            self._call("setup", create)
            ensured.add(name)
        return name

    def _scan(self, index: str, query: dict[str, Any], sort: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after else {}
            found = self._call(
                index,
                lambda extra=extra: self.client.search(
                    index=index, query=query, sort=sort, size=PAGE, track_total_hits=False, **extra
                ),
            )
            hits = found["hits"]["hits"]
            for hit in hits:
                yield hit["_source"]
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    # -- alerts ---------------------------------------------------------------------
    def alert_counts(self, flt: AlertFilter, by: AlertGroup, *, size: int = 50) -> list[tuple[str, int]]:
        from secops.store.elastic_cases import _filter_dsl

        field = GROUP_FIELDS[by]
        terms: dict[str, Any] = {"field": field, "size": size, "order": [{"_count": "desc"}, {"_key": "asc"}]}
        if by in SCALAR_GROUPS:
            terms["missing"] = ""
        found = self._call(
            "alert_counts",
            lambda: self.client.search(
                index=self.alerts_index, query=_filter_dsl(flt), size=0, aggs={"g": {"terms": terms}}
            ),
        )
        buckets = found["aggregations"]["g"]["buckets"]
        if by == "severity":
            from secops.types import Severity

            return [(list(Severity)[int(b["key"])].value, int(b["doc_count"])) for b in buckets]
        return [(str(b["key"]), int(b["doc_count"])) for b in buckets]

    def scan_alerts(self, flt: AlertFilter = AlertFilter()) -> Iterator[Alert]:
        """One ``search_after`` walk instead of re-reading every earlier page."""
        from secops.store.elastic_cases import _filter_dsl

        for source in self._scan(self.alerts_index, _filter_dsl(flt), [{"timestamp": "asc"}, {"id": "asc"}]):
            yield Alert.model_validate_json(source["doc"])

    # -- incidents ------------------------------------------------------------------
    @property
    def incidents_index(self) -> str:
        return layout.case_index(self.prefix, "incidents")

    @staticmethod
    def _incident_doc(incident: Incident) -> dict[str, Any]:
        return {
            "id": incident.id,
            "title": incident.title,
            "status": incident.state.value,
            "severity": incident.severity.rank,
            "assignee": incident.assignee,
            "created": sortable(incident.created),
            "updated": sortable(incident.updated),
            "doc": incident.model_dump_json(),
        }

    def create_incident(self, incident: Incident, *, actor: str, alerts: Sequence[Alert] = ()) -> Incident:
        ids = list(dict.fromkeys([*incident.alert_ids, *(a.id for a in alerts)]))
        number = self.count_incidents() + 1
        while True:
            created = incident.model_copy(update={"id": f"INC-{number}", "alert_ids": ids})
            try:
                self._call(
                    "create_incident",
                    lambda c=created: self.client.create(
                        index=self.incidents_index, id=c.id, document=self._incident_doc(c), refresh=layout.CASE_REFRESH
                    ),
                )
                break
            except ConflictError:
                number += 1
        self.audit(actor, "incident.create", f"incident:{created.id}", None, created.model_dump(mode="json"))
        for alert in alerts:
            self.update_alert(
                alert.model_copy(update={"incident_id": created.id}), actor=actor, action="alert.incident"
            )
        return created

    def get_incident(self, incident_id: str) -> Incident | None:
        def get() -> Incident | None:
            try:
                found = self.client.get(index=self.incidents_index, id=incident_id)
            except NotFoundError:
                return None
            return Incident.model_validate_json(found["_source"]["doc"])

        return self._call("get_incident", get)

    @staticmethod
    def _incident_query(flt: IncidentFilter) -> dict[str, Any]:
        clauses: list[dict[str, Any]] = []
        if flt.states:
            clauses.append({"terms": {"status": [s.value for s in flt.states]}})
        if flt.assignee:
            clauses.append({"term": {"assignee": flt.assignee}})
        if flt.min_severity is not None:
            clauses.append({"range": {"severity": {"gte": flt.min_severity.rank}}})
        return {"bool": {"filter": clauses}}

    def incidents(
        self, flt: IncidentFilter = IncidentFilter(), *, limit: int | None = None, offset: int = 0
    ) -> list[Incident]:
        out: list[Incident] = []
        sort = [{"created": "desc"}, {"id": "desc"}]
        for position, source in enumerate(self._scan(self.incidents_index, self._incident_query(flt), sort)):
            if position < offset:
                continue
            if limit is not None and len(out) >= limit:
                break
            out.append(Incident.model_validate_json(source["doc"]))
        return out

    def count_incidents(self, flt: IncidentFilter = IncidentFilter()) -> int:
        found = self._call(
            "count_incidents",
            lambda: self.client.count(index=self.incidents_index, query=self._incident_query(flt)),
        )
        return int(found["count"])

    def update_incident(self, incident: Incident, *, actor: str, action: str, alerts: Sequence[Alert] = ()) -> None:
        before = self.get_incident(incident.id)
        if before is None:
            raise KeyError(incident.id)
        self._call(
            "update_incident",
            lambda: self.client.index(
                index=self.incidents_index,
                id=incident.id,
                document=self._incident_doc(incident),
                refresh=layout.CASE_REFRESH,
            ),
        )
        self.audit(
            actor,
            action,
            f"incident:{incident.id}",
            orjson.loads(before.model_dump_json()),
            incident.model_dump(mode="json"),
        )
        for alert in alerts:
            self.update_alert(alert, actor=actor, action="alert.incident")

    # -- suppressions ---------------------------------------------------------------
    def add_suppression(self, suppression: Suppression, *, actor: str) -> None:
        doc = {
            "id": suppression.id,
            "rule_id": suppression.rule_id,
            "created": sortable(suppression.created),
            "expires": sortable(suppression.expires) if suppression.expires else None,
            "doc": suppression.model_dump_json(),
        }
        index = self._index("suppressions")
        self._call(
            "add_suppression",
            lambda: self.client.create(index=index, id=suppression.id, document=doc, refresh=layout.CASE_REFRESH),
        )
        self.audit(actor, "suppression.add", f"suppression:{suppression.id}", None, suppression.model_dump(mode="json"))

    def suppressions(self) -> list[Suppression]:
        index = self._index("suppressions")
        return [
            Suppression.model_validate_json(s["doc"])
            for s in self._scan(index, {"match_all": {}}, [{"created": "desc"}, {"id": "asc"}])
        ]

    def remove_suppression(self, suppression_id: str, *, actor: str) -> bool:
        index = self._index("suppressions")

        def remove() -> dict[str, Any] | None:
            try:
                found = self.client.get(index=index, id=suppression_id)
                self.client.delete(index=index, id=suppression_id, refresh=layout.CASE_REFRESH)
            except NotFoundError:
                return None
            return orjson.loads(found["_source"]["doc"])

        before = self._call("remove_suppression", remove)
        if before is None:
            return False
        self.audit(actor, "suppression.remove", f"suppression:{suppression_id}", before, None)
        return True

    # -- indicators -----------------------------------------------------------------
    def add_indicators(self, indicators: Sequence[Indicator], *, actor: str, source: str) -> int:
        unique = list({i.key: i for i in indicators}.values())
        index = self._index("indicators")
        actions = (
            {
                "_op_type": "index",
                "_index": index,
                "_id": i.key,
                "_source": {
                    "key": i.key,
                    "type": i.type.value,
                    "value": i.value,
                    "source": i.source,
                    "doc": i.model_dump_json(),
                },
            }
            for i in unique
        )

        def write() -> int:
            new = 0
            for ok, item in helpers.streaming_bulk(self.client, actions, chunk_size=2_000, raise_on_error=True):
                if ok and item["index"].get("result") == "created":
                    new += 1
            self.client.indices.refresh(index=index)
            return new

        new = int(self._call("add_indicators", write))
        after = {"source": source, "indicators": len(unique), "new": new, "sha256": import_digest(unique)}
        self.audit(actor, "ioc.import", f"ioc:{source}", None, after)
        return new

    @staticmethod
    def _kind_query(kind: IndicatorType | None) -> dict[str, Any]:
        return {"term": {"type": kind.value}} if kind else {"match_all": {}}

    def indicators(
        self, kind: IndicatorType | None = None, *, limit: int | None = None, offset: int = 0
    ) -> list[Indicator]:
        index = self._index("indicators")
        out: list[Indicator] = []
        for position, source in enumerate(
            self._scan(index, self._kind_query(kind), [{"type": "asc"}, {"value": "asc"}])
        ):
            if position < offset:
                continue
            if limit is not None and len(out) >= limit:
                break
            out.append(Indicator.model_validate_json(source["doc"]))
        return out

    def count_indicators(self, kind: IndicatorType | None = None) -> int:
        index = self._index("indicators")
        found = self._call("count_indicators", lambda: self.client.count(index=index, query=self._kind_query(kind)))
        return int(found["count"])

    # -- audit ------------------------------------------------------------------------
    def audit_records(self) -> Iterator[AuditRecord]:
        for src in self._scan(self.audit_index, {"match_all": {}}, [{"seq": "asc"}]):
            yield AuditRecord(
                seq=int(src["seq"]),
                ts=src["ts"],
                actor=src["actor"],
                action=src["action"],
                target=src["target"],
                before=src["before"],
                after=src["after"],
                prev_hash=src["prev_hash"],
                hash=src["hash"],
            )
