"""Alerts and incidents as the flat rows panels show (tables, splits, counts by a field)."""

from __future__ import annotations

from typing import Any

from secops import ecs
from secops.cases.models import Alert, Incident


def alert_row(alert: Alert) -> dict[str, Any]:
    """Every column an alerts table can show, plus the id the triage actions need."""
    return {
        "id": alert.id,
        "time": ecs.format_ts(alert.timestamp),
        "severity": alert.severity.value,
        "status": alert.status.value,
        "rule": alert.rule.name,
        "hosts": alert.entities.hosts,
        "users": alert.entities.users,
        "ips": alert.entities.ips,
        "techniques": alert.techniques,
        "assignee": alert.assignee,
        "incident": alert.incident_id,
    }


def incident_row(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "state": incident.state.value,
        "severity": incident.severity.value,
        "assignee": incident.assignee,
        "alerts": len(incident.alert_ids),
        "hosts": incident.entities.hosts,
        "users": incident.entities.users,
        "first_seen": ecs.format_ts(incident.first_seen) if incident.first_seen else None,
        "last_seen": ecs.format_ts(incident.last_seen) if incident.last_seen else None,
    }


def alert_value(alert: Alert, name: str) -> str:
    """The value an alerts histogram splits on (severity, status or rule)."""
    if name == "rule":
        return alert.rule.name
    return str(getattr(alert, name).value)


def incident_value(incident: Incident, name: str) -> str:
    value = getattr(incident, name)
    return "(unassigned)" if value is None else str(getattr(value, "value", value))
