"""One evaluation for every consumer: panel + stores + time window → rows of data.

The web console sends the rows to the browser as JSON; a report draws them
with ``secops.report.charts.render(Panel(**panel.as_report_panel()), rows)``.
Only the ``EventStore``/``CaseStore`` interfaces are used, so a panel works
the same on the embedded store and on Elasticsearch.

Row shapes, by aggregation:

- count: ``{"key": label, "count": n}``
- histogram: ``{"time": bucket start (RFC 3339), "label": "MM-DD HH:MM" (UTC), "series": value or "all",
  "count": n}`` for every
  bucket of the window and every series, zeros included, so lines do not skip empty hours
- top: ``{"key": value, "count": n}``, most first
- table: one dict per alert or incident (``secops.dashboards.rows``)
- matrix: ``{"tactic", "tactic_name", "technique", "name", "count"}`` (``secops.dashboards.attack``)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from secops import ecs
from secops.cases.models import IncidentState
from secops.dashboards import filters, rows
from secops.dashboards.attack import matrix
from secops.dashboards.model import Count, Histogram, Matrix, Panel, Table, Top
from secops.store.base import CaseStore, EventStore, IncidentFilter, Window
from secops.timespec import parse_duration

MAX_BUCKETS = 240
STEPS = [timedelta(seconds=s) for s in (60, 300, 600, 900, 1800, 3600, 10800, 21600, 43200, 86400, 604800)]
OTHER = "other"
NONE = "(none)"
"""The series of events that lack the split field."""
ALL = "all"


@dataclass(slots=True)
class Result:
    """A panel's data over a window, as rows (see the module docstring for their shape)."""

    panel: Panel
    window: Window
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int | None = None
    """For tables: how many match in all (the rows are the first page)."""
    interval: timedelta | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "panel": self.panel.id,
            "since": ecs.format_ts(self.window.since) if self.window.since else None,
            "until": ecs.format_ts(self.window.until) if self.window.until else None,
            "interval": int(self.interval.total_seconds()) if self.interval else None,
            "total": self.total,
            "rows": self.rows,
        }


def window_for(range_text: str, now: datetime | None = None) -> Window:
    """The window ``range_text`` (a duration) back from now."""
    until = now or datetime.now(UTC)
    return Window(until - parse_duration(range_text), until)


def bucket_size(configured: timedelta, window: Window) -> timedelta:
    """The configured interval, or a wider standard one when the window would need too many buckets."""
    if window.since is None or window.until is None:
        return configured
    wanted = (window.until - window.since) / MAX_BUCKETS
    if configured >= wanted:
        return configured
    return next((s for s in STEPS if s >= wanted), STEPS[-1])


def _buckets(window: Window, interval: timedelta) -> list[datetime]:
    """Bucket starts covering the window, aligned on the epoch like both backends' histograms."""
    assert window.since is not None and window.until is not None
    step = int(interval.total_seconds())
    first = int(window.since.timestamp()) // step * step
    last = int(window.until.timestamp())
    return [datetime.fromtimestamp(t, UTC) for t in range(first, last, step)]


def evaluate(panel: Panel, events: EventStore, cases: CaseStore, window: Window) -> Result:
    """The data of one panel over one window."""
    agg = panel.aggregation
    if panel.timeless:
        window = Window()
    result = Result(panel, window)
    if isinstance(agg, Count):
        result.rows = [{"key": agg.label or panel.title, "count": _count(panel, events, cases, window)}]
    elif isinstance(agg, Histogram):
        result.interval = bucket_size(parse_duration(agg.interval), window)
        counts = _histogram(panel, agg, events, cases, window, result.interval)
        result.rows = _series_rows(counts, agg, window, result.interval)
    elif isinstance(agg, Top):
        result.rows = [{"key": k, "count": n} for k, n in _top(panel, agg, events, cases, window)]
    elif isinstance(agg, Table):
        result.rows, result.total = _table(panel, agg, cases, window)
    elif isinstance(agg, Matrix):
        result.rows = matrix(cases, filters.alert_filter(panel.query, window))
    return result


def _count(panel: Panel, events: EventStore, cases: CaseStore, window: Window) -> int:
    if panel.source == "events":
        return events.count(filters.event_query(panel.query), window)
    if panel.source == "alerts":
        return cases.count_alerts(filters.alert_filter(panel.query, window))
    return cases.count_incidents(filters.incident_filter(panel.query))


def _histogram(
    panel: Panel, agg: Histogram, events: EventStore, cases: CaseStore, window: Window, interval: timedelta
) -> Counter[tuple[datetime, str]]:
    counts: Counter[tuple[datetime, str]] = Counter()
    if panel.source == "events":
        for start, value, n in events.histogram(interval, filters.event_query(panel.query), window, split=agg.split):
            counts[(start, ALL if agg.split is None else NONE if value is None else str(value))] += n
        return counts
    step = int(interval.total_seconds())
    for alert in cases.scan_alerts(filters.alert_filter(panel.query, window)):
        start = datetime.fromtimestamp(int(alert.timestamp.timestamp()) // step * step, UTC)
        value = ALL if agg.split is None else rows.alert_value(alert, agg.split)
        counts[(start, value)] += 1
    return counts


def _series_rows(
    counts: Counter[tuple[datetime, str]], agg: Histogram, window: Window, interval: timedelta
) -> list[dict[str, Any]]:
    """Keep the ``size`` largest series (the rest summed as ``other``) and fill every bucket of the window."""
    totals: Counter[str] = Counter()
    for (_, value), n in counts.items():
        totals[value] += n
    kept = [value for value, _ in totals.most_common(agg.size)]
    folded: Counter[tuple[datetime, str]] = Counter()
    for (start, value), n in counts.items():
        folded[(start, value if value in kept else OTHER)] += n
    names = kept + ([OTHER] if len(totals) > len(kept) else [])
    if not names:
        names = [ALL]
    if window.since is not None and window.until is not None:
        starts = _buckets(window, interval)
    else:
        starts = sorted({start for start, _ in folded})
    return [
        {
            "time": ecs.format_ts(start),
            "label": f"{start:%m-%d %H:%M}",
            "series": name,
            "count": folded.get((start, name), 0),
        }
        for start in starts
        for name in names
    ]


def _top(panel: Panel, agg: Top, events: EventStore, cases: CaseStore, window: Window) -> list[tuple[Any, int]]:
    if panel.source == "events":
        return events.top(agg.field, filters.event_query(panel.query), window, size=agg.size)
    if panel.source == "alerts":
        flt = filters.alert_filter(panel.query, window)
        return list(cases.alert_counts(flt, agg.field, size=agg.size))  # type: ignore[arg-type]
    iflt = filters.incident_filter(panel.query)
    if agg.field == "state":
        states = iflt.states or tuple(IncidentState)
        found = [
            (s.value, cases.count_incidents(IncidentFilter((s,), iflt.assignee, iflt.min_severity))) for s in states
        ]
        return sorted(((k, n) for k, n in found if n), key=lambda kv: -kv[1])[: agg.size]
    counts = Counter(rows.incident_value(i, agg.field) for i in cases.incidents(iflt))
    return counts.most_common(agg.size)


def _table(panel: Panel, agg: Table, cases: CaseStore, window: Window) -> tuple[list[dict[str, Any]], int]:
    if panel.source == "alerts":
        flt = filters.alert_filter(panel.query, window)
        found = cases.alerts(flt, limit=agg.limit, sort=agg.sort, newest_first=True)
        return [rows.alert_row(a) for a in found], cases.count_alerts(flt)
    iflt = filters.incident_filter(panel.query)
    incidents = cases.incidents(iflt, limit=agg.limit)
    if agg.sort == "severity":
        incidents.sort(key=lambda i: -i.severity.rank)
    return [rows.incident_row(i) for i in incidents], cases.count_incidents(iflt)
