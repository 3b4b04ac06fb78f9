"""Alerts and events for triage tests, built the way the detection engine builds them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from secops.cases.models import Alert, Entities, MatchedEvent, RuleRef
from secops.types import Severity

T0 = datetime(2026, 11, 20, 12, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event(n: int, *, at: datetime | None = None, **fields: Any) -> dict[str, Any]:
    """An auth-like ECS event; keyword arguments override dotted fields (``source__ip`` = ``source.ip``)."""
    moment = at or T0 + timedelta(minutes=n)
    doc: dict[str, Any] = {
        "@timestamp": stamp(moment),
        "event": {
            "id": f"ev-{n:05d}",
            "kind": "event",
            "category": ["authentication"],
            "type": ["start"],
            "dataset": "system.auth",
            "module": "system",
            "action": "ssh_login",
            "outcome": "failure",
            "original": f"Failed password for bob from 10.0.0.{n % 250} port 22 ssh2 #{n}",
        },
        "host": {"name": "ws-01"},
        "user": {"name": "bob"},
        "source": {"ip": f"10.0.0.{n % 250}"},
        "log": {"file": {"path": "/var/log/auth.log"}, "offset": n * 80},
        "ecs": {"version": "9.4.0"},
    }
    for key, value in fields.items():
        node = doc
        parts = key.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return doc


def alert(
    n: int,
    *,
    rule: str = "rule-a",
    at: datetime | None = None,
    severity: Severity = Severity.HIGH,
    hosts: tuple[str, ...] = ("ws-01",),
    users: tuple[str, ...] = (),
    ips: tuple[str, ...] = (),
    events: tuple[str, ...] = (),
    techniques: tuple[str, ...] = ("T1110.003",),
    tactics: tuple[str, ...] = ("credential-access",),
    last_event_at: datetime | None = None,
) -> Alert:
    key = f"{rule}|{n}"
    return Alert(
        id=Alert.make_id(key),
        dedup_key=key,
        timestamp=at or T0 + timedelta(minutes=n),
        rule=RuleRef(
            id=rule,
            name=f"Rule {rule}",
            author="secops tests",
            level=severity,
            description=f"Fires on {rule}.",
            references=["https://attack.mitre.org/techniques/T1110/003/"],
            tags=["attack.t1110.003"],
        ),
        severity=severity,
        techniques=list(techniques),
        tactics=list(tactics),
        events=[MatchedEvent(id=e) for e in events]
        + ([MatchedEvent(id=f"{key}-last", timestamp=stamp(last_event_at))] if last_event_at else []),
        entities=Entities(hosts=list(hosts), users=list(users), ips=list(ips)),
    )
