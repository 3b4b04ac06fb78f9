"""An incident's timeline: its alerts and the events of its entities, merged in time order.

The events are those that carry any of the incident's hosts, users or IPs
(from its alerts, plus the ones an analyst recorded as affected) between
``around`` before its first alert and ``around`` after the last event an
alert matched (a brute force alert lasts as long as its attempts). An event that
an alert matched is marked with that alert's id, so the story reads as "what
fired, and what happened around it".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from secops import ecs
from secops.cases.entities import entity_query
from secops.cases.incidents import alert_span, members, union
from secops.cases.models import Alert, Incident
from secops.store.base import CaseStore, EventStore, Window
from secops.types import Event

SUMMARY_CHARS = 240


def _summary(event: Event) -> str:
    for field in ("message", "event.action", "event.original"):
        value = ecs.get(event, field)
        if value:
            text = str(value)
            return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"
    return ""


def alert_row(alert: Alert) -> dict[str, Any]:
    return {
        "@timestamp": ecs.format_ts(alert.timestamp),
        "kind": "alert",
        "id": alert.id,
        "severity": alert.severity.value,
        "summary": alert.rule.name,
        "host": alert.entities.hosts,
        "user": alert.entities.users,
        "source": None,
        "destination": None,
        "dataset": f"{alert.rule.source} rule",
        "alert": alert.id,
        "doc": alert.model_dump(mode="json"),
    }


def event_row(event: Event, matched_by: dict[str, str]) -> dict[str, Any]:
    event_id = str(ecs.get(event, "event.id") or "")
    return {
        "@timestamp": ecs.get(event, "@timestamp"),
        "kind": "event",
        "id": event_id,
        "severity": None,
        "summary": _summary(event),
        "host": ecs.get(event, "host.name"),
        "user": ecs.get(event, "user.name"),
        "source": ecs.get(event, "source.ip"),
        "destination": ecs.get(event, "destination.ip"),
        "dataset": ecs.get(event, "event.dataset"),
        "alert": matched_by.get(event_id),
        "doc": event,
    }


def _moment(row: dict[str, Any]) -> datetime:
    value = row["@timestamp"]
    try:
        return ecs.parse_ts(str(value))
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def timeline(
    cases: CaseStore,
    events: EventStore,
    incident: Incident,
    *,
    around: timedelta = timedelta(hours=1),
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Alerts and surrounding events, oldest first; at most ``limit`` events (the alerts are always all there)."""
    alerts: Sequence[Alert] = members(cases, incident.id)
    rows = [alert_row(a) for a in alerts]
    spans = [alert_span(a) for a in alerts]  # an alert lasts until the last event it matched
    first = min((start for start, _ in spans), default=incident.first_seen)
    last = max((end for _, end in spans), default=incident.last_seen)
    query = entity_query(union([incident.entities, incident.affected]))
    if first is not None and last is not None and query is not None:
        matched_by = {e.id: a.id for a in alerts for e in a.events}
        found = events.search(query, Window(first - around, last + around), limit=limit)
        rows += [event_row(e, matched_by) for e in found]
    rows.sort(key=lambda r: (_moment(r), r["kind"] != "alert", r["id"]))
    return rows
