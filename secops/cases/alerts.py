"""Triage of alerts: select (by id or by filter), acknowledge, assign, close, reopen, suppress, inspect.

Commands hand a list of ids or a filter; bulk actions work in chunks so a
filter that selects 100,000 alerts neither holds them all in memory nor one
write transaction open for long. Every change goes through the store, which
writes it to the audit log with the alert's state before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from secops.cases.models import Alert, AlertStatus, CloseReason, Suppression
from secops.cases.suppress import from_alert
from secops.errors import UsageError
from secops.store.base import AlertFilter, CaseStore, EventStore, Window
from secops.types import Event

CHUNK = 500
RELATED_WINDOW = timedelta(hours=24)


def selected_ids(cases: CaseStore, ids: Sequence[str], flt: AlertFilter | None) -> list[str]:
    """The alerts an action applies to: the ids given (each must exist), else every alert the filter selects."""
    if ids:
        missing = [i for i in ids if cases.get_alert(i) is None]
        if missing:
            raise UsageError(f"no such alert: {', '.join(missing)}")
        return list(dict.fromkeys(ids))
    if flt is None:
        raise UsageError("name alerts by id or select them with a filter (e.g. --rule, --host, --status)")
    return [a.id for a in cases.scan_alerts(flt)]


def _apply(
    cases: CaseStore, ids: Sequence[str], change: Callable[[Alert], Alert | None], actor: str, action: str
) -> int:
    """Change each alert (``None`` = no change needed); returns how many changed."""
    changed = 0
    for start in range(0, len(ids), CHUNK):
        batch: list[Alert] = []
        for alert_id in ids[start : start + CHUNK]:
            alert = cases.get_alert(alert_id)
            if alert is None:
                continue
            updated = change(alert)
            if updated is not None and updated != alert:
                batch.append(updated)
        if batch:
            cases.update_alerts(batch, actor=actor, action=action)
            changed += len(batch)
    return changed


def acknowledge(cases: CaseStore, ids: Sequence[str], *, actor: str) -> int:
    def ack(alert: Alert) -> Alert | None:
        if alert.status is not AlertStatus.OPEN:
            return None
        return alert.model_copy(update={"status": AlertStatus.ACKNOWLEDGED, "assignee": alert.assignee or actor})

    return _apply(cases, ids, ack, actor, "alert.ack")


def assign(cases: CaseStore, ids: Sequence[str], assignee: str | None, *, actor: str) -> int:
    return _apply(cases, ids, lambda a: a.model_copy(update={"assignee": assignee or None}), actor, "alert.assign")


def close(cases: CaseStore, ids: Sequence[str], reason: CloseReason, *, actor: str) -> int:
    def shut(alert: Alert) -> Alert:
        return alert.model_copy(update={"status": AlertStatus.CLOSED, "close_reason": reason})

    return _apply(cases, ids, shut, actor, "alert.close")


def reopen(cases: CaseStore, ids: Sequence[str], *, actor: str) -> int:
    def back(alert: Alert) -> Alert:
        return alert.model_copy(update={"status": AlertStatus.OPEN, "close_reason": None})

    return _apply(cases, ids, back, actor, "alert.reopen")


def suppress(
    cases: CaseStore,
    alert_id: str,
    *,
    actor: str,
    reason: str,
    kinds: Sequence[str],
    expires: datetime | None,
    any_rule: bool = False,
    close_reason: CloseReason = CloseReason.BENIGN,
) -> Suppression:
    """Make an exception from an alert and close the alert, pointing at the exception."""
    alert = cases.get_alert(alert_id)
    if alert is None:
        raise UsageError(f"no such alert: {alert_id}")
    try:
        suppression = from_alert(alert, actor=actor, reason=reason, kinds=kinds, expires=expires, any_rule=any_rule)
    except ValueError as exc:
        raise UsageError(str(exc), where="--on") from exc
    cases.add_suppression(suppression, actor=actor)
    details = {**alert.details, "suppression": suppression.id}
    closed = alert.model_copy(update={"status": AlertStatus.CLOSED, "close_reason": close_reason, "details": details})
    cases.update_alert(closed, actor=actor, action="alert.suppress")
    return suppression


def related(cases: CaseStore, alert: Alert, *, around: timedelta = RELATED_WINDOW, limit: int = 20) -> list[Alert]:
    """Other alerts about the same hosts, users or IPs within ``around`` of this one, newest first."""
    window = Window(alert.timestamp - around, alert.timestamp + around)
    seen: dict[str, Alert] = {}
    selections = [AlertFilter(window=window, host=v) for v in alert.entities.hosts[:10]]
    selections += [AlertFilter(window=window, user=v) for v in alert.entities.users[:10]]
    selections += [AlertFilter(window=window, ip=v) for v in alert.entities.ips[:10]]
    for selection in selections:
        for other in cases.alerts(selection, limit=limit):
            if other.id != alert.id:
                seen.setdefault(other.id, other)
    return sorted(seen.values(), key=lambda a: a.timestamp, reverse=True)[:limit]


@dataclass(slots=True)
class AlertDetail:
    """What ``alerts show`` prints: the alert, its stored events, and its neighbours."""

    alert: Alert
    events: list[Event] = field(default_factory=list)
    missing_events: list[str] = field(default_factory=list)
    related: list[Alert] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "alert": self.alert.model_dump(mode="json"),
            "events": self.events,
            "missing_events": self.missing_events,
            "related": [r.model_dump(mode="json") for r in self.related],
        }


def detail(cases: CaseStore, events: EventStore, alert_id: str, *, max_events: int = 100) -> AlertDetail:
    alert = cases.get_alert(alert_id)
    if alert is None:
        raise UsageError(f"no such alert: {alert_id}")
    wanted = [e.id for e in alert.events[:max_events]]
    found = events.get(wanted) if wanted else []
    have = {str((e.get("event") or {}).get("id")) for e in found}
    return AlertDetail(alert, found, [i for i in wanted if i not in have], related(cases, alert))
