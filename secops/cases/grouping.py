"""Automatic grouping: alerts that share a host, user or IP within a time window become one incident.

Open alerts that belong to no incident are taken oldest first. Each one links
to every group holding one of its entity values within ``window`` of it;
linked groups without an incident are joined (union-find), so a chain
``A-host-B-user-C`` ends up as one group. Open incidents seed the groups, so
a new alert about an incident's host joins that incident. Two incidents are
never merged automatically (that is an analyst's decision, ``incidents
merge``): an alert linked to both joins the older one. A group with no
incident becomes one when it has ``min_alerts`` alerts. A value carried by
more than ``common_after`` of the alerts being grouped links nothing: chaining
through a public resolver or a busy server would make one incident of a day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from secops.cases import incidents as ops
from secops.cases.entities import fold
from secops.cases.models import Alert, AlertStatus, Entities, Incident, IncidentState
from secops.config import IncidentsConfig
from secops.store.base import AlertFilter, CaseStore, IncidentFilter, Window
from secops.timespec import parse_duration

OPEN_STATES = tuple(s for s in IncidentState if s is not IncidentState.CLOSED)


@dataclass(slots=True)
class Group:
    incident: Incident | None = None
    alerts: list[Alert] = field(default_factory=list)


@dataclass(slots=True)
class Span:
    """Where one entity value was seen, and in which group."""

    group: int
    first: datetime
    last: datetime


@dataclass(slots=True)
class GroupingResult:
    created: list[Incident] = field(default_factory=list)
    extended: dict[str, int] = field(default_factory=dict)
    """Incident id → alerts added to it."""
    left_alone: int = 0
    """Ungrouped alerts that linked to too few others to make an incident."""
    common: dict[str, int] = field(default_factory=dict)
    """Values too common to link alerts (``kind:value`` → alerts carrying it)."""


class Grouper:
    def __init__(self, settings: IncidentsConfig) -> None:
        self.window = parse_duration(settings.window)
        self.kinds = list(settings.entities)
        self.ignore = {v.casefold() for v in settings.ignore}
        self.min_alerts = settings.min_alerts
        self.common: set[tuple[str, str]] = set()
        self.groups: list[Group] = []
        self.parent: list[int] = []
        self.spans: dict[tuple[str, str], Span] = {}

    def _find(self, g: int) -> int:
        while self.parent[g] != g:
            self.parent[g] = self.parent[self.parent[g]]
            g = self.parent[g]
        return g

    def _new(self, incident: Incident | None = None) -> int:
        self.groups.append(Group(incident))
        self.parent.append(len(self.parent))
        return len(self.groups) - 1

    def keys(self, entities: Entities) -> list[tuple[str, str]]:
        keys: list[tuple[str, str]] = []
        for kind in self.kinds:
            for value in getattr(entities, kind):
                folded = fold(kind, value)
                if folded and folded.casefold() not in self.ignore and (kind, folded) not in self.common:
                    keys.append((kind, folded))
        return keys

    def _linked(self, span: Span, first: datetime, last: datetime) -> bool:
        """Do the two stretches of time come within ``window`` of each other?"""
        return span.first - self.window <= last and first <= span.last + self.window

    def _mark(self, g: int, keys: list[tuple[str, str]], first: datetime, last: datetime) -> None:
        """Record that a group holds these values over this time; a value moves to the newest group using it."""
        for key in keys:
            span = self.spans.get(key)
            if span is not None and self._find(span.group) == g:
                span.first, span.last = min(span.first, first), max(span.last, last)
            else:
                self.spans[key] = Span(g, first, last)

    def seed(self, incident: Incident) -> None:
        if incident.first_seen is None or incident.last_seen is None:
            return
        g = self._new(incident)
        self._mark(g, self.keys(incident.entities), incident.first_seen, incident.last_seen)

    def add(self, alert: Alert) -> None:
        keys = self.keys(alert.entities)
        first, last = ops.alert_span(alert)
        linked = {
            self._find(span.group)
            for key in keys
            if (span := self.spans.get(key)) is not None and self._linked(span, first, last)
        }
        incidents = sorted(
            (incident.created, incident.id, g) for g in linked if (incident := self.groups[g].incident) is not None
        )
        target = incidents[0][2] if incidents else min(linked) if linked else self._new()
        for g in linked:
            if g != target and self.groups[g].incident is None:
                self.parent[g] = target
                self.groups[target].alerts.extend(self.groups[g].alerts)
                self.groups[g].alerts = []
        self.groups[target].alerts.append(alert)
        self._mark(target, keys, first, last)

    def roots(self) -> list[Group]:
        return [self.groups[g] for g in range(len(self.groups)) if self._find(g) == g]


def group_alerts(
    cases: CaseStore,
    settings: IncidentsConfig,
    *,
    actor: str,
    since: datetime | None = None,
    dry_run: bool = False,
) -> GroupingResult:
    """Group open, ungrouped alerts (optionally only those since a moment) into incidents."""
    grouper = Grouper(settings)
    selection = AlertFilter(
        status=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED), ungrouped=True, window=Window(since=since)
    )
    alerts = list(cases.scan_alerts(selection))  # the groups hold every one of them anyway: read them once
    seen = Counter(key for alert in alerts for key in set(grouper.keys(alert.entities)))
    grouper.common = {key for key, count in seen.items() if count > settings.common_after}
    for incident in reversed(cases.incidents(IncidentFilter(states=OPEN_STATES))):
        if incident.merged_into is None:
            grouper.seed(incident)
    for alert in alerts:
        grouper.add(alert)
    result = GroupingResult(common={f"{kind}:{value}": seen[kind, value] for kind, value in sorted(grouper.common)})
    for group in grouper.roots():
        if not group.alerts:
            continue
        ids = [a.id for a in group.alerts]
        if group.incident is not None:
            result.extended[group.incident.id] = len(ids)
            if not dry_run:
                ops.add(cases, group.incident.id, ids, actor=actor)
        elif len(ids) >= grouper.min_alerts:
            if dry_run:
                result.created.append(Incident(id="(new)", title=ops.title_for(group.alerts), alert_ids=ids))
            else:
                result.created.append(ops.create(cases, ids, actor=actor))
        else:
            result.left_alone += len(ids)
    return result
