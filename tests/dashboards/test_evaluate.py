"""One evaluation over both backends: the same panels give the same rows on the embedded store and Elasticsearch."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from secops.cases.models import AlertStatus, Incident
from secops.dashboards.evaluate import bucket_size, evaluate
from secops.dashboards.model import Panel
from secops.report.charts import Panel as ReportPanel
from secops.report.charts import render
from secops.store.base import Window
from secops.types import Severity
from tests.store.conftest import Stores
from tests.triage.factory import T0, alert, event

WINDOW = Window(T0 - timedelta(hours=1), T0 + timedelta(hours=5))
SOURCES = ["203.0.113.7"] * 15 + ["198.51.100.9"] * 10 + ["192.0.2.44"] * 5


def panel(**spec: Any) -> Panel:
    return Panel.model_validate({"id": "p", "title": "P", **spec})


def load(stores: Stores) -> None:
    events = [
        event(
            n,
            at=T0 + timedelta(minutes=6 * n),
            event__category=["network"],
            event__type=["connection", "denied"],
            source__ip=ip,
            destination__port=3389 if n % 3 else 22,
            observer__vendor="Acme" if n < 20 else "Initech",
        )
        for n, ip in enumerate(SOURCES)
    ]
    events += [
        event(100 + n, at=T0 + timedelta(minutes=5 * n), event__category=["network"], event__type=["allowed"])
        for n in range(10)
    ]
    stores.events.write(events)
    stores.refresh()
    alerts = [
        alert(1, at=T0 + timedelta(minutes=10)),
        alert(2, at=T0 + timedelta(minutes=70)),
        alert(3, at=T0 + timedelta(minutes=75), severity=Severity.CRITICAL, techniques=("T9999",), tactics=("impact",)),
        alert(4, at=T0 + timedelta(minutes=130), severity=Severity.LOW, techniques=(), tactics=()),
    ]
    stores.cases.add_alerts(alerts)
    acked = alerts[3].model_copy(update={"status": AlertStatus.ACKNOWLEDGED, "assignee": "ana"})
    stores.cases.update_alert(acked, actor="tester", action="alert.ack")
    stores.cases.create_incident(Incident(id="x", title="Spray on ws-01"), actor="tester", alerts=alerts[:2])


def run(stores: Stores, **spec: Any) -> list[dict[str, Any]]:
    return evaluate(panel(**spec), stores.events, stores.cases, WINDOW).rows


def test_event_panels(stores: Stores) -> None:
    load(stores)
    denied = "event.category:network AND event.type:denied"
    count = run(stores, query=denied, chart="number", aggregation={"kind": "count", "label": "denied"})
    assert count == [{"key": "denied", "count": 30}]
    top = run(stores, query=denied, chart="hbar", aggregation={"kind": "top", "field": "source.ip", "size": 2})
    assert [(r["key"], r["count"]) for r in top] == [("203.0.113.7", 15), ("198.51.100.9", 10)]
    ports = run(stores, query=denied, chart="hbar", aggregation={"kind": "top", "field": "destination.port"})
    assert [(str(r["key"]), r["count"]) for r in ports] == [("3389", 20), ("22", 10)]
    spec = {"kind": "histogram", "interval": "1h", "split": "observer.vendor", "size": 1}
    rows = run(stores, query=denied, chart="stacked_bar", aggregation=spec)
    assert len(rows) == 6 * 2  # every hour of the window, for Acme and "other", zeros included
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["series"]] = totals.get(row["series"], 0) + row["count"]
    assert totals == {"Acme": 20, "other": 10}
    first_hour = [r["count"] for r in rows if r["time"].startswith("2026-11-20T12:")]
    assert sum(first_hour) == 10  # minutes 0..54 of the first hour: events 0..9


def test_alert_and_incident_panels(stores: Stores) -> None:
    load(stores)
    open_count = run(stores, source="alerts", query="status:open", chart="number", aggregation={"kind": "count"})
    assert open_count[0]["count"] == 3
    high = run(stores, source="alerts", query="severity:>=high", chart="number", aggregation={"kind": "count"})
    assert high[0]["count"] == 3
    spec = {"kind": "histogram", "interval": "1h", "split": "severity"}
    rows = run(stores, source="alerts", chart="stacked_bar", aggregation=spec)
    nonzero = {(r["time"][11:13], r["series"], r["count"]) for r in rows if r["count"]}
    assert nonzero == {("12", "high", 1), ("13", "high", 1), ("13", "critical", 1), ("14", "low", 1)}
    table = evaluate(
        panel(source="alerts", query="status:open", chart="table",
              aggregation={"kind": "table", "columns": ["time", "rule"], "limit": 2}),
        stores.events, stores.cases, WINDOW,
    )  # fmt: skip
    assert table.total == 3 and [r["id"] for r in table.rows] == [alert(3).id, alert(2).id]
    cells = run(stores, source="alerts", chart="matrix", aggregation={"kind": "matrix"})
    by_cell = {(r["tactic"], r["technique"]): r for r in cells}
    assert by_cell[("credential-access", "T1110.003")]["count"] == 2
    assert by_cell[("credential-access", "T1110.003")]["name"] == "Password Spraying"
    assert by_cell[("impact", "T9999")] | {} == {
        "tactic": "impact", "tactic_name": "Impact", "technique": "T9999", "name": "T9999", "count": 1
    }  # fmt: skip
    assert by_cell[("reconnaissance", "T1595")]["count"] == 0
    assert cells[0]["tactic"] == "reconnaissance" and cells[-1]["tactic"] == "impact"
    open_incidents = run(stores, source="incidents", query="NOT state:closed", chart="number",
                         aggregation={"kind": "count"})  # fmt: skip
    assert open_incidents[0]["count"] == 1
    states = run(stores, source="incidents", chart="hbar", aggregation={"kind": "top", "field": "state"})
    assert states == [{"key": "new", "count": 1}]


def test_bucket_size_widens_for_long_windows() -> None:
    week = Window(T0, T0 + timedelta(days=30))
    assert bucket_size(timedelta(hours=1), WINDOW) == timedelta(hours=1)
    assert bucket_size(timedelta(hours=1), week) == timedelta(hours=3)


def test_reports_draw_dashboard_panels(stores: Stores) -> None:
    """The reports' SVG renderer draws a dashboard panel from the rows this evaluation gives."""
    load(stores)
    chosen = panel(
        title="Denies by vendor <b>",
        query="event.type:denied",
        chart="stacked_bar",
        aggregation={"kind": "histogram", "interval": "1h", "split": "observer.vendor"},
    )
    rows = evaluate(chosen, stores.events, stores.cases, WINDOW).rows
    svg = render(ReportPanel(**chosen.as_report_panel()), rows)
    assert svg.startswith("<svg") and "Denies by vendor &lt;b&gt;" in svg
    bars = [t for t in svg.split("<title>")[1:] if ": " in t]
    assert [b.split("<")[0] for b in bars] == [
        "11-20 12:00 Acme: 10",
        "11-20 13:00 Acme: 10",
        "11-20 14:00 Initech: 10",
    ]
    assert ">12:00</text>" in svg
