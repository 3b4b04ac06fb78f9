"""A breach report: one regime's sections filled from the incident, its clocks, and what is still missing.

The report is built once as data (``BreachReport``) and every format renders
that same data, so JSON, Markdown, HTML and PDF always agree. A field that is
not recorded is shown as missing and goes to the checklist; no value is ever
filled in by secops on its own (a hint may say where one could come from).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, tzinfo
from enum import Enum
from typing import Any

import orjson
from pydantic import BaseModel

from secops.cases.models import Alert, Incident
from secops.report import deadlines as dl
from secops.report.breach_model import Action, Notification
from secops.report.facts import Facts
from secops.report.regimes import Regime
from secops.report.timefmt import both, iso


class Item(BaseModel):
    label: str
    path: str
    required: bool
    confidence: str
    value: Any = None
    text: list[str] = []
    missing: bool = False
    estimated: bool = False


class SectionOut(BaseModel):
    id: str
    title: str
    cite: str | None
    items: list[Item]


class ClockOut(BaseModel):
    id: str
    title: str
    stage: str
    recipient: str
    cite: str
    confidence: str
    offset: str
    status: str
    summary: str
    trigger: str
    counted_from: str | None = None
    trigger_at: str | None = None
    trigger_local: str | None = None
    provisional: bool = False
    due_at: str | None = None
    due_local: str | None = None
    remaining_seconds: int | None = None
    met_at: str | None = None
    met_reference: str | None = None
    note: str | None = None


class Missing(BaseModel):
    path: str
    label: str
    where: str
    required: bool = True
    hint: str | None = None


class BreachReport(BaseModel):
    incident_id: str
    incident_title: str
    incident_state: str
    incident_severity: str
    regime: dict[str, Any]
    generated_at: str
    generated_local: str
    timezone: str
    incident: list[Item]
    sections: list[SectionOut]
    deadlines: list[ClockOut]
    checklist: list[Missing]
    optional_missing: list[Missing]
    notes: list[str]
    notifications: list[dict[str, Any]]
    source: dict[str, str]


def _text(value: Any, where: tzinfo) -> list[str]:
    """Display lines for a value (times in local time with the zone)."""
    if value is None:
        return []
    if isinstance(value, datetime):
        return [both(value, where)]
    if isinstance(value, Enum):
        return [str(value.value)]
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, Action):
        by = f" ({value.actor})" if value.actor else ""
        return [f"{both(value.ts, where)} [{value.kind.value}] {value.description}{by}"]
    if isinstance(value, dict):
        return [f"{k}: {', '.join(_text(v, where))}" for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [line for item in value for line in _text(item, where)]
    if isinstance(value, BaseModel):
        return _text(value.model_dump(exclude_defaults=True), where)
    return [str(value)]


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _item(facts: Facts, path: str, label: str, required: bool, confidence: str, where: tzinfo) -> Item:
    value = facts.value(path)
    return Item(
        label=label,
        path=path,
        required=required,
        confidence=confidence,
        value=_jsonable(value),
        text=_text(value, where),
        missing=value is None,
        estimated=value is not None and facts.estimated(path),
    )


def _hint(path: str, facts: Facts, given: str | None, where: tzinfo) -> str | None:
    """Where a missing value might come from — a pointer, never a value put in the report."""
    hints = [given] if given else []
    if path.endswith("_at") and facts.incident.first_seen is not None:
        hints.append(f"the incident's first alert: {both(facts.incident.first_seen, where)}")
    if path.startswith("derived."):
        hints.append(DERIVED_HINTS.get(path, "computed from the incident's alerts").format(id=facts.incident.id))
    else:
        hints.append(f"set with: secops incidents set {facts.incident.id} {path}=…")
    return "; ".join(hints)


DERIVED_HINTS = {
    "derived.containment": "record with: secops incidents action {id} --kind containment TEXT",
    "derived.mitigation": "record with: secops incidents action {id} --kind mitigation|eradication|recovery TEXT",
    "derived.iocs": (
        'from IOC-match alerts of the incident, or: secops incidents set {id} \'iocs+={{"type": …, "value": …}}\''
    ),
}


def _clock(clock: dl.Clock, where: tzinfo) -> ClockOut:
    d = clock.deadline
    return ClockOut(
        id=d.id,
        title=d.title,
        stage=d.stage,
        recipient=d.recipient,
        cite=d.cite,
        confidence=d.confidence,
        offset=d.offset,
        status=clock.status,
        summary=dl.describe(clock),
        trigger=d.trigger,
        counted_from=clock.trigger_field,
        trigger_at=iso(clock.trigger_at) if clock.trigger_at else None,
        trigger_local=both(clock.trigger_at, where) if clock.trigger_at else None,
        provisional=clock.provisional and clock.trigger_at is not None,
        due_at=iso(clock.due_at) if clock.due_at else None,
        due_local=both(clock.due_at, where) if clock.due_at else None,
        remaining_seconds=int(clock.remaining.total_seconds()) if clock.remaining is not None else None,
        met_at=iso(clock.met.sent_at) if clock.met else None,
        met_reference=clock.met.reference_no if clock.met else None,
        note=d.note,
    )


def source_digest(incident: Incident) -> str:
    """sha256 of the incident record a report was generated from (a later report with another digest differs)."""
    return hashlib.sha256(orjson.dumps(incident.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)).hexdigest()


def build(
    incident: Incident, alerts: Sequence[Alert], regime: Regime, *, now: datetime, where: tzinfo, zone_name: str
) -> BreachReport:
    """The report of one incident under one regime, at ``now``, for a reader in ``where``."""
    facts = Facts(incident, alerts)
    sections: list[SectionOut] = []
    checklist: list[Missing] = []
    optional: list[Missing] = []
    for section in regime.sections:
        items = []
        for spec in section.fields:
            item = _item(facts, spec.path, spec.label, spec.required, spec.confidence, where)
            items.append(item)
            if item.missing:
                entry = Missing(
                    path=spec.path,
                    label=spec.label,
                    where=section.title,
                    required=spec.required,
                    hint=_hint(spec.path, facts, spec.hint, where),
                )
                (checklist if spec.required else optional).append(entry)
        sections.append(SectionOut(id=section.id, title=section.title, cite=section.cite, items=items))
    clocks = dl.evaluate(regime, facts, now)
    known = {m.path for m in checklist}
    for clock in clocks:
        for path in clock.missing:
            if path in known:
                continue
            known.add(path)
            why = "starts the clock" if path == clock.deadline.trigger else "decides whether it applies"
            if path == clock.deadline.late_requires:
                why = "a late filing must give it"
            hint = _hint(path, facts, None, where)
            checklist.append(Missing(path=path, label=f"{path} ({why})", where=clock.deadline.title, hint=hint))
    key = dl.regime_key(regime)
    header = [
        _item(facts, "incident.first_seen", "First alert", False, "V", where),
        _item(facts, "incident.last_seen", "Last alert", False, "V", where),
        _item(facts, "derived.alert_count", "Alerts", False, "V", where),
        _item(facts, "derived.hosts", "Hosts involved", False, "V", where),
    ]
    notifications: list[Notification] = [n for n in facts.breach.notifications if n.regime == key]
    return BreachReport(
        incident_id=incident.id,
        incident_title=incident.title,
        incident_state=incident.state.value,
        incident_severity=incident.severity.value,
        regime={
            "id": key,
            **regime.model_dump(mode="json", include={"name", "citation", "version", "effective_from", "status"}),
            **regime.model_dump(mode="json", include={"confidence", "jurisdiction", "applies_to", "source"}),
        },
        generated_at=iso(now),
        generated_local=both(now, where),
        timezone=zone_name,
        incident=header,
        sections=sections,
        deadlines=[_clock(c, where) for c in clocks],
        checklist=checklist,
        optional_missing=optional,
        notes=list(regime.notes),
        notifications=[n.model_dump(mode="json", exclude_defaults=True) for n in notifications],
        source={"incident_sha256": source_digest(incident), "incident_updated": iso(incident.updated)},
    )
