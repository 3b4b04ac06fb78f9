"""Incident operations: create, add, remove, merge, split, lifecycle, notes, tasks, evidence.

Each operation loads the incident, changes it, and hands it to the store with
the alerts whose membership changed, so the incident, its alerts and their
audit entries are written together. An incident's ``entities``, first and
last seen are recomputed from its alerts; its severity only ever rises on its
own (an analyst lowers it with ``edit``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import orjson

from secops.cases.models import Alert, Entities, Evidence, Incident, IncidentState, Note, Task
from secops.errors import UsageError
from secops.store.base import AlertFilter, CaseStore, EventStore
from secops.types import Event, Severity


def now() -> datetime:
    return datetime.now(UTC)


def evidence_hash(event: Event) -> str:
    """sha256 of an event's canonical JSON (sorted keys): the same stored event always gives the same hash."""
    return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()


def union(entities: Iterable[Entities]) -> Entities:
    merged: dict[str, list[str]] = {kind: [] for kind in Entities.model_fields}
    for item in entities:
        for kind, values in item.model_dump().items():
            merged[kind].extend(values)
    return Entities(**{kind: list(dict.fromkeys(values)) for kind, values in merged.items()})


def alert_span(alert: Alert) -> tuple[datetime, datetime]:
    """When an alert's activity began and ended: its time to the latest matched event it lists."""
    last = alert.timestamp
    for matched in alert.events:
        if matched.timestamp:
            try:
                last = max(last, datetime.fromisoformat(matched.timestamp.replace("Z", "+00:00")))
            except ValueError:
                continue
    return alert.timestamp, last


def summarised(incident: Incident, alerts: Sequence[Alert], *, raise_severity: bool = True) -> Incident:
    """The incident with entities, first/last seen (and, rising only, severity) taken from its alerts."""
    spans = [alert_span(a) for a in alerts]
    update: dict[str, object] = {
        "alert_ids": [a.id for a in alerts],
        "entities": union(a.entities for a in alerts),
        "first_seen": min((first for first, _ in spans), default=None),
        "last_seen": max((last for _, last in spans), default=None),
        "updated": now(),
    }
    top = max((a.severity for a in alerts), key=lambda s: s.rank, default=None)
    if raise_severity and top is not None and top.rank > incident.severity.rank:
        update["severity"] = top
    return incident.model_copy(update=update)


def load(cases: CaseStore, incident_id: str) -> Incident:
    incident = cases.get_incident(incident_id)
    if incident is None:
        raise UsageError(f"no such incident: {incident_id}")
    return incident


def load_unmerged(cases: CaseStore, incident_id: str) -> Incident:
    """An incident whose alerts or state may change: one merged into another lives on there, not here."""
    incident = load(cases, incident_id)
    if incident.merged_into is not None:
        raise UsageError(f"{incident_id} was merged into {incident.merged_into}: work on {incident.merged_into}")
    return incident


def members(cases: CaseStore, incident_id: str) -> list[Alert]:
    return cases.alerts(AlertFilter(incident_id=incident_id), newest_first=False)


def _alerts(cases: CaseStore, ids: Sequence[str]) -> list[Alert]:
    found = []
    for alert_id in dict.fromkeys(ids):
        alert = cases.get_alert(alert_id)
        if alert is None:
            raise UsageError(f"no such alert: {alert_id}")
        found.append(alert)
    return found


def title_for(alerts: Sequence[Alert]) -> str:
    """A readable default title: the commonest rule, how many others, and the first entity."""
    if not alerts:
        return "New incident"
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert.rule.name] = counts.get(alert.rule.name, 0) + 1
    rules = sorted(counts, key=lambda r: (-counts[r], r))
    head = rules[0] + (f" (+{len(rules) - 1} more rules)" if len(rules) > 1 else "")
    entities = union(a.entities for a in alerts)
    subject = (entities.hosts or entities.users or entities.ips or [""])[0]
    return f"{head} on {subject}" if subject else head


def create(
    cases: CaseStore,
    alert_ids: Sequence[str],
    *,
    actor: str,
    title: str | None = None,
    severity: Severity | None = None,
    assignee: str | None = None,
) -> Incident:
    """A new incident taking the given alerts (each leaves any incident it was in)."""
    alerts = _alerts(cases, alert_ids)
    _leave_others(cases, alerts, actor=actor, joining=None)
    alerts = [cases.get_alert(a.id) or a for a in alerts]
    base = Incident(id="", title=title or title_for(alerts), severity=severity or Severity.INFORMATIONAL)
    incident = summarised(base, alerts).model_copy(update={"assignee": assignee})
    if severity is not None:
        incident = incident.model_copy(update={"severity": severity})
    elif not alerts:
        incident = incident.model_copy(update={"severity": Severity.MEDIUM})
    return cases.create_incident(incident, actor=actor, alerts=alerts)


def _leave_others(cases: CaseStore, alerts: Sequence[Alert], *, actor: str, joining: str | None) -> None:
    """Take alerts out of the incidents they belong to (other than the one they are joining)."""
    by_incident: dict[str, list[str]] = {}
    for alert in alerts:
        if alert.incident_id and alert.incident_id != joining:
            by_incident.setdefault(alert.incident_id, []).append(alert.id)
    for incident_id, ids in by_incident.items():
        remove(cases, incident_id, ids, actor=actor)


def add(cases: CaseStore, incident_id: str, alert_ids: Sequence[str], *, actor: str) -> Incident:
    incident = load_unmerged(cases, incident_id)
    alerts = _alerts(cases, alert_ids)
    _leave_others(cases, alerts, actor=actor, joining=incident_id)
    joining = [
        (cases.get_alert(a.id) or a).model_copy(update={"incident_id": incident_id})
        for a in alerts
        if a.incident_id != incident_id
    ]
    current = [a for a in members(cases, incident_id) if a.id not in {j.id for j in joining}]
    updated = summarised(incident, [*current, *joining])
    cases.update_incident(updated, actor=actor, action="incident.add", alerts=joining)
    return updated


def remove(cases: CaseStore, incident_id: str, alert_ids: Sequence[str], *, actor: str) -> Incident:
    incident = load(cases, incident_id)
    wanted = set(alert_ids)
    current = members(cases, incident_id)
    strangers = wanted - {a.id for a in current}
    if strangers:
        raise UsageError(f"not in {incident_id}: {', '.join(sorted(strangers))}")
    leaving = [a.model_copy(update={"incident_id": None}) for a in current if a.id in wanted]
    updated = summarised(incident, [a for a in current if a.id not in wanted], raise_severity=False)
    cases.update_incident(updated, actor=actor, action="incident.remove", alerts=leaving)
    return updated


def merge(cases: CaseStore, target_id: str, other_ids: Sequence[str], *, actor: str) -> Incident:
    """Fold other incidents into one: their alerts, notes, tasks, evidence and affected entities move over.

    The others are closed with ``merged_into`` set and keep their own history. An incident
    merged once is not merged again (its notes and tasks would be copied twice), nor merged into.
    """
    if target_id in other_ids:
        raise UsageError(f"cannot merge {target_id} into itself")
    target = load_unmerged(cases, target_id)
    others = [load_unmerged(cases, i) for i in dict.fromkeys(other_ids)]
    moving: list[Alert] = []
    notes, tasks, evidence = list(target.notes), list(target.tasks), list(target.evidence)
    for other in others:
        moving += [a.model_copy(update={"incident_id": target_id}) for a in members(cases, other.id)]
        notes += [n.model_copy(update={"text": f"[from {other.id}] {n.text}"}) for n in other.notes]
        tasks += [t.model_copy(update={"id": len(tasks) + k + 1}) for k, t in enumerate(other.tasks)]
        known = {e.event_id for e in evidence}
        evidence += [e for e in other.evidence if e.event_id not in known]
    notes.append(Note(author=actor, text=f"merged {', '.join(o.id for o in others)} into this incident"))
    top = max([target.severity, *(o.severity for o in others)], key=lambda s: s.rank)
    merged = summarised(target, [*members(cases, target_id), *moving]).model_copy(
        update={
            "notes": notes,
            "tasks": tasks,
            "evidence": evidence,
            "affected": union([target.affected, *(o.affected for o in others)]),
        }
    )
    if top.rank > merged.severity.rank:
        merged = merged.model_copy(update={"severity": top})
    cases.update_incident(merged, actor=actor, action="incident.merge", alerts=moving)
    for other in others:
        closed = other.model_copy(
            update={
                "state": IncidentState.CLOSED,
                "merged_into": target_id,
                "alert_ids": [],
                "updated": now(),
                "notes": [*other.notes, Note(author=actor, text=f"merged into {target_id}")],
            }
        )
        cases.update_incident(closed, actor=actor, action="incident.merged")
    return merged


def split(
    cases: CaseStore, incident_id: str, alert_ids: Sequence[str], *, actor: str, title: str | None = None
) -> Incident:
    """Move some alerts of an incident into a new incident of their own."""
    source = load(cases, incident_id)
    current = members(cases, incident_id)
    wanted = set(alert_ids)
    strangers = wanted - {a.id for a in current}
    if strangers:
        raise UsageError(f"not in {incident_id}: {', '.join(sorted(strangers))}")
    if wanted >= {a.id for a in current}:
        raise UsageError(f"splitting every alert out of {incident_id} leaves it empty; use create instead")
    moving = [a for a in current if a.id in wanted]
    remove(cases, incident_id, [a.id for a in moving], actor=actor)
    fresh = [cases.get_alert(a.id) or a for a in moving]
    base = Incident(
        id="",
        title=title or title_for(fresh),
        severity=Severity.INFORMATIONAL,
        assignee=source.assignee,
        notes=[Note(author=actor, text=f"split from {incident_id}")],
    )
    return cases.create_incident(summarised(base, fresh), actor=actor, alerts=fresh)


def _save(cases: CaseStore, incident: Incident, action: str, actor: str, **update: object) -> Incident:
    changed = incident.model_copy(update={**update, "updated": now()})
    cases.update_incident(changed, actor=actor, action=action)
    return changed


def set_state(cases: CaseStore, incident_id: str, state: IncidentState, *, actor: str) -> Incident:
    return _save(cases, load_unmerged(cases, incident_id), "incident.state", actor, state=state)


def assign(cases: CaseStore, incident_id: str, assignee: str | None, *, actor: str) -> Incident:
    return _save(cases, load(cases, incident_id), "incident.assign", actor, assignee=assignee or None)


def note(cases: CaseStore, incident_id: str, text: str, *, actor: str) -> Incident:
    if not text.strip():
        raise UsageError("a note needs some text")
    incident = load(cases, incident_id)
    return _save(cases, incident, "incident.note", actor, notes=[*incident.notes, Note(author=actor, text=text)])


def add_task(cases: CaseStore, incident_id: str, text: str, *, actor: str, owner: str | None = None) -> Incident:
    incident = load(cases, incident_id)
    task = Task(id=max((t.id for t in incident.tasks), default=0) + 1, text=text, owner=owner)
    return _save(cases, incident, "incident.task", actor, tasks=[*incident.tasks, task])


def finish_task(cases: CaseStore, incident_id: str, task_id: int, *, actor: str, done: bool = True) -> Incident:
    incident = load(cases, incident_id)
    if task_id not in {t.id for t in incident.tasks}:
        raise UsageError(f"{incident_id} has no task {task_id}")
    tasks = [t.model_copy(update={"done": done}) if t.id == task_id else t for t in incident.tasks]
    return _save(cases, incident, "incident.task.done" if done else "incident.task.reopen", actor, tasks=tasks)


def edit(
    cases: CaseStore,
    incident_id: str,
    *,
    actor: str,
    title: str | None = None,
    severity: Severity | None = None,
    affected: Entities | None = None,
) -> Incident:
    """Title, severity, and assets or accounts recorded as affected (added to those already recorded)."""
    incident = load(cases, incident_id)
    update: dict[str, object] = {}
    if title:
        update["title"] = title
    if severity is not None:
        update["severity"] = severity
    if affected is not None:
        update["affected"] = union([incident.affected, affected])
    if not update:
        raise UsageError("nothing to change: give --title, --severity, --host, --user or --ip")
    return _save(cases, incident, "incident.edit", actor, **update)


def add_evidence(
    cases: CaseStore, events: EventStore, incident_id: str, event_ids: Sequence[str], *, actor: str
) -> list[Evidence]:
    """Record stored events as evidence, each with the sha256 of its stored form."""
    incident = load(cases, incident_id)
    found = {str((e.get("event") or {}).get("id")): e for e in events.get(list(dict.fromkeys(event_ids)))}
    missing = [i for i in event_ids if i not in found]
    if missing:
        raise UsageError(f"no stored event with id: {', '.join(missing)}")
    known = {e.event_id for e in incident.evidence}
    added = [
        Evidence(event_id=i, sha256=evidence_hash(found[i]), added_by=actor)
        for i in dict.fromkeys(event_ids)
        if i not in known
    ]
    if added:
        _save(cases, incident, "incident.evidence", actor, evidence=[*incident.evidence, *added])
    return added


def check_evidence(events: EventStore, incident: Incident) -> dict[str, str]:
    """Each evidence item's state now: ``intact``, ``changed`` (hash differs) or ``missing`` from the store."""
    found = {str((e.get("event") or {}).get("id")): e for e in events.get([e.event_id for e in incident.evidence])}
    result = {}
    for item in incident.evidence:
        event = found.get(item.event_id)
        result[item.event_id] = (
            "missing" if event is None else "intact" if evidence_hash(event) == item.sha256 else "changed"
        )
    return result
