"""The SOC summary: what the queue saw and how fast it was handled, over a period.

- alerts per day (in the reader's zone) by severity, top rules, ATT&CK
  tactics — from the alerts whose time falls in the period;
- mean time to acknowledge and to close an alert, and to close an incident —
  from the audit log: from the alert's creation (incident: its
  ``incident.create`` entry) to the first ``alert.ack`` (first ``alert.close``
  or ``alert.suppress``; first state change to ``closed``);
- incidents by their current state.

The panels are declared in ``templates/summary_panels.toml`` and drawn by
``charts.render``; HTML and Markdown come from templates, PDF from ``pdf``.
"""

from __future__ import annotations

import base64
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from importlib import resources
from typing import Any

from secops.cases.models import IncidentState
from secops.report.charts import Panel, render
from secops.report.pdf import Document
from secops.report.templating import render as render_template
from secops.report.timefmt import both, iso
from secops.store.base import AlertFilter, CaseStore, IncidentFilter, Window


@dataclass
class Summary:
    since: datetime
    until: datetime
    where: tzinfo
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def period(self) -> str:
        return f"{both(self.since, self.where)} to {both(self.until, self.where)}"

    def as_json(self) -> dict[str, Any]:
        return {"since": iso(self.since), "until": iso(self.until), "totals": self.totals, "panels": self.data}

    def charts(self) -> list[tuple[Panel, str]]:
        return [(p, render(p, self.data.get(p.id, []))) for p in panels()]


def panels() -> list[Panel]:
    text = (resources.files("secops.report") / "templates" / "summary_panels.toml").read_text("utf-8")
    return [Panel.model_validate(p) for p in tomllib.loads(text)["panels"]]


def _hours(spans: list[float]) -> float | None:
    return round(sum(spans) / len(spans) / 3600, 2) if spans else None


def collect(cases: CaseStore, *, since: datetime, until: datetime, where: tzinfo) -> Summary:
    per_day: Counter[tuple[str, str]] = Counter()
    rules: Counter[str] = Counter()
    tactics: Counter[str] = Counter()
    created: dict[str, datetime] = {}
    for alert in cases.scan_alerts(AlertFilter(window=Window(since, until))):
        per_day[(alert.timestamp.astimezone(where).date().isoformat(), alert.severity.value)] += 1
        rules[alert.rule.name] += 1
        tactics.update(alert.tactics)
        created[alert.id] = alert.created
    acked: dict[str, datetime] = {}
    closed: dict[str, datetime] = {}
    opened: dict[str, datetime] = {}
    incident_closed: dict[str, datetime] = {}
    for entry in cases.audit_entries():
        kind, _, target = entry.target.partition(":")
        if kind == "alert" and target in created:
            if entry.action == "alert.ack":
                acked.setdefault(target, entry.timestamp)
            elif entry.action in ("alert.close", "alert.suppress"):
                closed.setdefault(target, entry.timestamp)
        elif kind == "incident":
            if entry.action == "incident.create" and since <= entry.timestamp < until:
                opened[target] = entry.timestamp
            elif target in opened and (entry.after or {}).get("state") == IncidentState.CLOSED.value:
                incident_closed.setdefault(target, entry.timestamp)
    tta = [(t - created[a]).total_seconds() for a, t in acked.items()]
    ttc = [(t - created[a]).total_seconds() for a, t in closed.items()]
    tti = [(t - opened[i]).total_seconds() for i, t in incident_closed.items()]
    states = [(s.value, cases.count_incidents(IncidentFilter(states=(s,)))) for s in IncidentState]
    summary = Summary(since, until, where)
    summary.data = {
        "alerts_per_day": [{"day": d, "severity": s, "count": n} for (d, s), n in sorted(per_day.items())],
        "top_rules": [{"rule": r, "count": n} for r, n in rules.most_common(10)],
        "tactics": [{"tactic": t, "count": n} for t, n in tactics.most_common()],
        "incidents_by_state": [{"state": s, "count": n} for s, n in states],
        "response_times": [
            {"measure": f"acknowledge alert (n={len(tta)})", "hours": _hours(tta)},
            {"measure": f"close alert (n={len(ttc)})", "hours": _hours(ttc)},
            {"measure": f"close incident (n={len(tti)})", "hours": _hours(tti)},
        ],
    }
    summary.totals = {
        "alerts": sum(per_day.values()),
        "rules": len(rules),
        "acknowledged": len(tta),
        "closed": len(ttc),
        "incidents_opened": len(opened),
        "incidents_closed": len(tti),
    }
    return summary


def html(summary: Summary) -> str:
    return render_template("summary.html.j2", "html", s=summary, charts=summary.charts())


def markdown(summary: Summary) -> str:
    images = [
        (p, "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()) for p, svg in summary.charts()
    ]
    return render_template("summary.md.j2", "md", s=summary, images=images)


def pdf(summary: Summary) -> bytes:
    doc = Document("SOC summary", "Generated by secops from the case store and its audit log.")
    doc.heading("SOC summary")
    doc.text(summary.period, size=8.5)
    doc.text(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.totals.items()), size=8.5)
    for _panel, svg in summary.charts():
        doc.svg(svg)
    return doc.output()
