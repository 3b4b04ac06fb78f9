"""Dashboards and panels as data: the declarative shape of ``dashboards/*.toml``, validated with pydantic.

A panel says *what* to count (``source`` and a Kibana-style ``query``), *how*
to aggregate it (a single count, counts over time with an optional split, the
top values of a field, a table, the ATT&CK matrix) and *how* to draw it
(``chart``). The same definition drives the web console, the HTML/PDF
reports (``as_report_panel``) and the Kibana export, so a panel means the same
thing wherever it is shown. Which combinations make sense is checked here,
once, when the file is loaded; the query itself is checked by
``secops.dashboards.filters``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from secops import ecs
from secops.dashboards import filters
from secops.errors import UsageError
from secops.timespec import Duration

Source = Literal["events", "alerts", "incidents"]
Chart = Literal["line", "bar", "stacked_bar", "hbar", "number", "table", "matrix"]
SLUG = r"^[a-z0-9][a-z0-9_-]*$"

ALERT_COLUMNS = ("time", "severity", "status", "rule", "hosts", "users", "ips", "techniques", "assignee", "incident")
INCIDENT_COLUMNS = (
    "id", "title", "state", "severity", "assignee", "alerts", "hosts", "users", "first_seen", "last_seen"
)  # fmt: skip
ALERT_TOP_FIELDS = ("rule", "severity", "status", "host", "user", "ip", "technique", "tactic", "incident", "assignee")
INCIDENT_TOP_FIELDS = ("state", "severity", "assignee")
ALERT_SPLITS = ("severity", "status", "rule")

CHARTS_OF: dict[str, tuple[str, ...]] = {
    "count": ("number",),
    "histogram": ("line", "bar", "stacked_bar"),
    "top": ("hbar", "bar"),
    "table": ("table",),
    "matrix": ("matrix",),
}
SOURCES_OF: dict[str, tuple[str, ...]] = {
    "count": ("events", "alerts", "incidents"),
    "histogram": ("events", "alerts"),
    "top": ("events", "alerts", "incidents"),
    "table": ("alerts", "incidents"),
    "matrix": ("alerts",),
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Count(Strict):
    """One number: how many match."""

    kind: Literal["count"]
    label: str | None = None


class Histogram(Strict):
    """Counts per time bucket; ``split`` draws one series per value (the ``size`` largest, the rest as other)."""

    kind: Literal["histogram"]
    interval: Duration = "1h"
    """The smallest bucket; wide windows use wider buckets so a chart keeps at most ~240 of them."""
    split: str | None = None
    size: int = Field(default=6, ge=1, le=20)


class Top(Strict):
    """The most frequent values of a field, with counts."""

    kind: Literal["top"]
    field: str
    size: int = Field(default=10, ge=1, le=50)


class Table(Strict):
    """A page of alerts or incidents, newest (or most severe) first."""

    kind: Literal["table"]
    columns: list[str] = Field(min_length=1)
    limit: int = Field(default=50, ge=1, le=500)
    sort: Literal["time", "severity"] = "time"


class Matrix(Strict):
    """ATT&CK tactics as columns, techniques as cells, coloured by how many alerts name them."""

    kind: Literal["matrix"]


Aggregation = Annotated[Count | Histogram | Top | Table | Matrix, Field(discriminator="kind")]


class Panel(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    description: str = ""
    source: Source = "events"
    query: str = ""
    """Kibana (Lucene-mode) query syntax, parsed by ``secops.hunt``; on alerts and incidents, their own fields."""
    aggregation: Aggregation
    chart: Chart
    timeless: bool = False
    """Ignore the time range: a queue or an open count is about now, not about a period."""
    width: Literal[1, 2] = 1
    """Grid columns the panel spans in the console (of two)."""
    actions: list[Literal["ack", "assign"]] = Field(default_factory=list)
    """Triage buttons on an alerts table."""

    @model_validator(mode="after")
    def _coherent(self) -> Panel:
        agg = self.aggregation
        if self.chart not in CHARTS_OF[agg.kind]:
            raise ValueError(f"chart: a {agg.kind} is drawn as {' or '.join(CHARTS_OF[agg.kind])}, not {self.chart}")
        if self.source not in SOURCES_OF[agg.kind]:
            supported = ", ".join(SOURCES_OF[agg.kind])
            raise ValueError(f"source: a {agg.kind} over {self.source} is not supported ({supported})")
        if self.timeless and agg.kind == "histogram":
            raise ValueError("timeless: a histogram needs a time range")
        if self.actions and not (self.source == "alerts" and agg.kind == "table"):
            raise ValueError("actions: actions belong on an alerts table")
        for name in self.fields_used():
            try:
                _check_field(self.source, name, agg.kind)
            except ValueError as exc:
                raise ValueError(f"{'field' if isinstance(agg, Top) else 'split'}: {exc}") from None
        if isinstance(agg, Table):
            allowed = ALERT_COLUMNS if self.source == "alerts" else INCIDENT_COLUMNS
            unknown = [c for c in agg.columns if c not in allowed]
            if unknown:
                raise ValueError(f"columns: unknown column(s) {', '.join(unknown)}; choose from {', '.join(allowed)}")
        try:
            filters.check(self.source, self.query)
        except UsageError as exc:
            raise ValueError(f"query: {exc.message}") from None
        return self

    def fields_used(self) -> list[str]:
        """The fields the aggregation reads (the query's fields come from ``filters.fields``)."""
        agg = self.aggregation
        if isinstance(agg, Top):
            return [agg.field]
        if isinstance(agg, Histogram) and agg.split:
            return [agg.split]
        return []

    def as_report_panel(self) -> dict[str, Any]:
        """This panel in the shape ``secops.report.charts.Panel`` takes, for drawing it in a report.

        Rows from ``evaluate`` use the keys named here (``label``/``key``,
        ``count``, ``series``). Tables and the matrix have no chart form there.
        """
        kind = self.aggregation.kind
        if kind in ("table", "matrix"):
            raise UsageError(f"panel {self.id}: a {kind} is not drawn as a chart in reports")
        chart = {"number": "stat", "hbar": "hbar"}.get(self.chart, "bar")
        split = isinstance(self.aggregation, Histogram) and self.aggregation.split is not None
        return {
            "id": self.id,
            "title": self.title,
            "type": chart,
            "x": "label" if kind == "histogram" else "key",
            "y": "count",
            "series": "series" if split else None,
            "series_order": ["critical", "high", "medium", "low", "informational"] if split else [],
        }


def _check_field(source: str, name: str, kind: str) -> None:
    if source == "events":
        if name not in ecs.ecs_fields():
            raise ValueError(f"{name} is not an ECS field (the index templates map only ECS fields)")
    elif source == "alerts":
        allowed = ALERT_SPLITS if kind == "histogram" else ALERT_TOP_FIELDS
        if name not in allowed:
            raise ValueError(f"alerts can be counted by {', '.join(allowed)}, not {name}")
    elif name not in INCIDENT_TOP_FIELDS:
        raise ValueError(f"incidents can be counted by {', '.join(INCIDENT_TOP_FIELDS)}, not {name}")


class Dashboard(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    description: str = ""
    order: int = 100
    """Position among the console's tabs."""
    range: Duration = "24h"
    """The default time window: this much before now."""
    refresh: int = Field(default=30, ge=5, le=3600)
    """Seconds between automatic refreshes in the console."""
    panels: list[Panel] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Dashboard:
        seen: set[str] = set()
        for panel in self.panels:
            if panel.id in seen:
                raise ValueError(f"two panels have the id {panel.id!r}")
            seen.add(panel.id)
        return self

    def panel(self, panel_id: str) -> Panel:
        for panel in self.panels:
            if panel.id == panel_id:
                return panel
        raise UsageError(f"dashboard {self.id} has no panel {panel_id!r}")
