"""From rule matches to ``Alert`` records: metadata, ATT&CK, entities, dedup keys, tuning.

Every output of the engine goes through here, whichever engine found the
match (native, or the Elasticsearch pushdown), so the same rule and event give
the same alert and the same dedup key. Tuning comes from the ``[detect]``
configuration: *exceptions* drop matches on chosen field values, *suppression
windows* fold the matches of a rule with the same ``by`` values into one
alert per window (the window is a fixed bucket of time, so two runs over the
same events build the same key and the store merges them).
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from secops import ecs
from secops.cases.entities import ENTITY_FIELDS, values_of
from secops.cases.models import Alert, Entities, MatchedEvent, RuleRef
from secops.config import DetectConfig, DetectException, DetectSuppression
from secops.detect.modifiers import text
from secops.detect.rules import Origin
from secops.errors import ConfigError
from secops.timespec import parse_duration
from secops.types import Event, Severity

TACTICS = frozenset(
    [
        "reconnaissance",
        "resource-development",
        "initial-access",
        "execution",
        "persistence",
        "privilege-escalation",
        "defense-evasion",
        "credential-access",
        "discovery",
        "lateral-movement",
        "collection",
        "command-and-control",
        "exfiltration",
        "impact",
    ]
)
"""ATT&CK enterprise tactic short names (Sigma writes them as ``attack.<name>``)."""


def attack(tags: Iterable[str]) -> tuple[list[str], list[str]]:
    """ATT&CK technique ids (``T1059.001``) and tactics from Sigma tags."""
    techniques: list[str] = []
    tactics: list[str] = []
    for tag in tags:
        name = tag.lower()
        if not name.startswith("attack."):
            continue
        value = name[len("attack.") :]
        if value[:1] == "t" and value[1:5].isdecimal():
            techniques.append(value.upper())
        elif value.replace("_", "-") in TACTICS:
            tactics.append(value.replace("_", "-"))
    return sorted(set(techniques)), sorted(set(tactics))


def rule_ref(rule: Any, rule_id: str, origin: Origin | None) -> RuleRef:
    """The alert's view of a Sigma rule (``author`` kept, as the Detection Rule License asks)."""
    level = getattr(rule, "level", None)
    return RuleRef(
        id=rule_id,
        name=str(rule.title),
        author=rule.author,
        level=Severity(str(level.name).lower()) if level is not None else Severity.MEDIUM,
        status=str(rule.status.name).lower() if getattr(rule, "status", None) is not None else None,
        description=rule.description,
        references=list(rule.references or []),
        tags=[str(t) for t in rule.tags or []],
        source="sigma",
        path=str(origin) if origin else None,
    )


def entities(events: Sequence[Event]) -> Entities:
    found: dict[str, list[str]] = {kind: [] for kind in ENTITY_FIELDS}
    for event in events:
        for kind in ENTITY_FIELDS:
            for value in values_of(event, kind):
                if value not in found[kind]:
                    found[kind].append(value)
    return Entities(**found)


def event_key(event: Event) -> str:
    """``event.id``, or a content hash for events that have none."""
    eid = ecs.get(event, "event.id")
    if eid:
        return str(eid)
    body = orjson.dumps(event, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def matched(event: Event) -> MatchedEvent:
    """Where a matched event came from: its id, and for file input the file and the record's position."""
    offset = ecs.get(event, "log.offset")
    record = ecs.get(event, "winlog.record_id")
    return MatchedEvent(
        id=event_key(event),
        timestamp=ecs.get(event, "@timestamp"),
        file=ecs.get(event, "log.file.path"),
        offset=offset if isinstance(offset, int) else None,
        record=int(record) if isinstance(record, int | str) and str(record).isdecimal() else None,
    )


def event_time(event: Event) -> datetime:
    value = ecs.get(event, "@timestamp")
    if isinstance(value, str):
        try:
            return ecs.parse_ts(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


def _names(ref: RuleRef) -> list[str]:
    return [ref.id.lower(), ref.name.lower()]


def _applies(pattern: str, ref: RuleRef) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern.lower()) for name in _names(ref))


class AlertBuilder:
    """Builds alerts with the configured exceptions and suppression windows applied."""

    def __init__(self, config: DetectConfig | None = None) -> None:
        self.config = config or DetectConfig()
        self._windows: list[tuple[DetectSuppression, float]] = []
        for rule in self.config.suppress:
            try:
                seconds = parse_duration(rule.window).total_seconds()
            except ValueError as exc:
                raise ConfigError(f"detect.suppress: bad window {rule.window!r}") from exc
            self._windows.append((rule, seconds))
        self.pending: dict[str, Alert] = {}
        self.excepted = 0

    def _excepted(self, ref: RuleRef, event: Event) -> DetectException | None:
        for exc in self.config.exceptions:
            if not _applies(exc.rule, ref):
                continue
            value = ecs.get(event, exc.field)
            for item in value if isinstance(value, list) else [value]:
                t = text(item)
                if t is not None and any(fnmatch.fnmatchcase(t.lower(), v.lower()) for v in exc.values):
                    return exc
        return None

    def add(self, ref: RuleRef, events: Sequence[Event], details: dict[str, Any] | None = None) -> Alert | None:
        """An alert for matched events (one for a detection, several for a correlation)."""
        first = events[0]
        if self._excepted(ref, first) is not None:
            self.excepted += 1
            return None
        techniques, tactics = attack(ref.tags)
        moment = min(event_time(e) for e in events)
        key = self._key(ref, events, moment, details)
        existing = self.pending.get(key)
        if existing is not None:
            known = {e.id for e in existing.events}
            existing.events.extend(m for e in events if (m := matched(e)).id not in known)
            merged = entities([*events])
            for kind, values in merged.model_dump().items():
                target = getattr(existing.entities, kind)
                target.extend(v for v in values if v not in target)
            return existing
        alert = Alert(
            id=Alert.make_id(key),
            dedup_key=key,
            timestamp=moment,
            rule=ref,
            severity=ref.level,
            techniques=techniques,
            tactics=tactics,
            events=[matched(e) for e in events],
            entities=entities(events),
            details=details or {},
        )
        self.pending[key] = alert
        return alert

    def _key(self, ref: RuleRef, events: Sequence[Event], moment: datetime, details: dict[str, Any] | None) -> str:
        for rule, seconds in self._windows:
            if _applies(rule.rule, ref):
                values = [text(ecs.get(events[0], f)) or "" for f in rule.by]
                bucket = int(moment.timestamp() // seconds) if seconds > 0 else 0
                return f"sigma:{ref.id}:suppress:{orjson.dumps(values).decode()}:{bucket}"
        if details and "group" in details:
            group = orjson.dumps(details["group"], option=orjson.OPT_SORT_KEYS).decode()
            return f"sigma:{ref.id}:{group}:{details.get('window_start')}"
        return f"sigma:{ref.id}:{event_key(events[0])}"

    def take(self) -> list[Alert]:
        """The alerts built so far, in time order; the builder starts afresh."""
        out = sorted(self.pending.values(), key=lambda a: (a.timestamp, a.rule.id, a.dedup_key))
        self.pending = {}
        return out
