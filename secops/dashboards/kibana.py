"""Kibana saved objects for users of the Elasticsearch backend: data views and dashboards equal to ours.

One NDJSON line per object, importable with Kibana's saved-objects import
(Stack Management or ``POST /api/saved_objects/_import``), Kibana 8.x:

- a data view (``index-pattern``) per kind of index: ``<prefix>-events-*`` on
  ``@timestamp``, ``<prefix>-alerts`` on ``timestamp``, ``<prefix>-incidents``
  on ``created`` (the layout of ``secops.store.elastic_layout``);
- per panel, a Lens visualization (count → metric, histogram → XY over a date
  histogram, top → bar of top values, matrix → heatmap of tactic × technique)
  or, for tables, a saved search with the same columns;
- per dashboard, a dashboard placing them in the console's order and widths,
  panels the console shows for all time with a time range of their own.

Event panel queries go over in Kibana's Lucene mode, written again from
what they mean (``lucene``); alert and incident queries are rewritten in KQL
over their index fields.
Severities are stored there as their rank (0 informational … 4 critical).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson

from secops import ecs
from secops.dashboards import filters
from secops.dashboards.model import Count, Dashboard, Histogram, Matrix, Panel, Table, Top
from secops.query import And, AnyOf, Cidr, Exists, Match, Not, Or, Query, Range, Text, Wildcard
from secops.store import elastic_layout as layout
from secops.store.elastic_query import TEXT_FIELDS
from secops.types import Severity

TIME_FIELD = {"events": "@timestamp", "alerts": "timestamp", "incidents": "created"}
ALERT_FIELDS = {
    "rule": "rule_name", "severity": "severity", "status": "status", "host": "hosts", "user": "users", "ip": "ips",
    "technique": "techniques", "tactic": "tactics", "incident": "incident_id", "assignee": "assignee",
    "time": "timestamp", "hosts": "hosts", "users": "users", "ips": "ips", "techniques": "techniques",
}  # fmt: skip
INCIDENT_FIELDS = {"id": "id", "title": "title", "state": "status", "severity": "severity", "assignee": "assignee"}
"""Incident columns the incidents index holds (the others live only in the stored document)."""
SERIES = {"line": "line", "bar": "bar", "stacked_bar": "bar_stacked", "hbar": "bar_horizontal"}
VERSIONS = {"index-pattern": "8.0.0", "lens": "8.9.0", "search": "8.0.0", "dashboard": "8.9.0"}
ALL_TIME = {"from": "now-100y", "to": "now"}
LAYER = "layer1"
COUNT = "col_count"


def data_view_id(prefix: str, source: str) -> str:
    return f"{prefix}-{source}"


def index_title(prefix: str, source: str) -> str:
    return layout.events_pattern(prefix) if source == "events" else layout.case_index(prefix, source)


def _object(kind: str, object_id: str, attributes: dict[str, Any], references: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "type": kind,
        "id": object_id,
        "attributes": attributes,
        "references": references,
        "coreMigrationVersion": "8.8.0",
        "typeMigrationVersion": VERSIONS[kind],
    }


def data_views(prefix: str) -> list[dict[str, Any]]:
    return [
        _object(
            "index-pattern",
            data_view_id(prefix, source),
            {"title": index_title(prefix, source), "name": f"secops {source}", "timeFieldName": time_field},
            [],
        )
        for source, time_field in TIME_FIELD.items()
    ]


def _field(panel: Panel, name: str) -> str:
    """A panel's field name as the index holds it."""
    if panel.source == "alerts":
        return ALERT_FIELDS[name]
    if panel.source == "incidents":
        return INCIDENT_FIELDS[name]
    return name


def lucene(text: str) -> str:
    """An events query written for Kibana's Lucene mode so that it means what our hunt syntax means.

    Kibana's ``query_string`` ORs terms written side by side and gives AND and
    OR no usual precedence; hunts AND them, tighter than OR. So the query is
    written again from its parsed meaning: every operator spelled out, every
    operation bracketed, values quoted (a bare ``/`` starts a regular
    expression), a day such as ``@timestamp:2026-11-02`` as the range it means.
    Free text searches the raw record and the message, as the stores do
    (case-sensitively there: Kibana's wildcards on keywords are).
    """
    tree = filters.parse(text)
    return "" if tree is None else _lucene(tree)


def _phrase(value: Any) -> str:
    """A value as a Lucene term: numbers bare, anything else quoted."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    shown = ecs.format_ts(value) if isinstance(value, datetime) else str(value)
    return '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _escaped(text: str, keep: str = "") -> str:
    """Every character but letters, digits and ``keep`` escaped with a backslash."""
    return "".join(c if c.isalnum() or c in keep else "\\" + c for c in text)


def _lucene(node: Query, parent: str = "") -> str:
    """One node; ``parent`` is the operation it stands in (AND, OR, NOT, or none at the top)."""
    match node:
        case Match(name, value):
            return f"{name}:{_phrase(value)}"
        case AnyOf(name, values):
            return f"{name}:(" + " OR ".join(_phrase(v) for v in values) + ")"
        case Wildcard(name, pattern):
            return f"{name}:{_escaped(pattern, '*?')}"
        case Range(name, gte, gt, lte, lt):
            low, high = (gte if gte is not None else gt), (lte if lte is not None else lt)
            bounds = " TO ".join("*" if v is None else _phrase(v) for v in (low, high))
            return f"{name}:{'[' if gt is None else '{'}{bounds}{']' if lt is None else '}'}"
        case Cidr(name, network):
            return f"{name}:{_phrase(network)}"
        case Exists(name):
            return f"_exists_:{name}"
        case Text(value):
            return "(" + " OR ".join(f"{name}:*{_escaped(value)}*" for name in TEXT_FIELDS) + ")"
        case And(items) | Or(items):
            operator = "AND" if isinstance(node, And) else "OR"
            joined = f" {operator} ".join(_lucene(item, operator) for item in items)
            return f"({joined})" if parent else joined
        case Not(item):
            negated = f"NOT {_lucene(item, 'NOT')}"
            return negated if parent in ("", "AND") else f"({negated})"
    raise TypeError(f"not a query node: {node!r}")


def kql(panel: Panel) -> dict[str, str]:
    """The panel's selection as a Kibana query object."""
    if panel.source == "events":
        return {"language": "lucene", "query": lucene(panel.query)}
    parts: list[str] = []
    if panel.source == "alerts":
        flt = filters.alert_filter(panel.query)
        if flt.status:
            parts.append("status:(" + " or ".join(s.value for s in flt.status) + ")")
        minimum = flt.min_severity
        for name, value in (("rule_name", flt.rule), ("hosts", flt.host), ("users", flt.user), ("ips", flt.ip),
                            ("techniques", flt.technique), ("tactics", flt.tactic),
                            ("incident_id", flt.incident_id), ("assignee", flt.assignee)):  # fmt: skip
            if value is not None:
                parts.append(f"{name}:{_quoted(value)}")
        if flt.ungrouped:
            parts.append("not incident_id:*")
    else:
        iflt = filters.incident_filter(panel.query)
        if iflt.states:
            parts.append("status:(" + " or ".join(s.value for s in iflt.states) + ")")
        minimum = iflt.min_severity
        if iflt.assignee is not None:
            parts.append(f"assignee:{_quoted(iflt.assignee)}")
    if minimum is not None:
        parts.append(f"severity >= {Severity(minimum).rank}")
    return {"language": "kuery", "query": " and ".join(parts)}


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _count_column() -> dict[str, Any]:
    return {
        "label": "Count of records",
        "dataType": "number",
        "operationType": "count",
        "isBucketed": False,
        "scale": "ratio",
        "sourceField": "___records___",
        "params": {"emptyAsNull": True},
    }


def _terms(field: str, size: int, types: dict[str, str]) -> dict[str, Any]:
    kind = types.get(field, "keyword")
    data_type = "number" if kind in ("long", "integer", "double", "float") else "ip" if kind == "ip" else "string"
    return {
        "label": f"Top values of {field}",
        "dataType": data_type,
        "operationType": "terms",
        "sourceField": field,
        "isBucketed": True,
        "scale": "ordinal",
        "params": {
            "size": size,
            "orderBy": {"type": "column", "columnId": COUNT},
            "orderDirection": "desc",
            "otherBucket": True,
            "missingBucket": False,
        },
    }


def _date_histogram(field: str, interval: str) -> dict[str, Any]:
    return {
        "label": field,
        "dataType": "date",
        "operationType": "date_histogram",
        "sourceField": field,
        "isBucketed": True,
        "scale": "interval",
        "params": {"interval": interval, "includeEmptyRows": True, "dropPartials": False},
    }


def _lens_state(panel: Panel, types: dict[str, str]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(visualization type, visualization state, columns) of a chart panel."""
    agg = panel.aggregation
    columns: dict[str, Any] = {}
    visual: dict[str, Any]
    if isinstance(agg, Count):
        columns[COUNT] = _count_column()
        return "lnsMetric", {"layerId": LAYER, "layerType": "data", "metricAccessor": COUNT}, columns
    if isinstance(agg, Matrix):
        columns["col_x"] = _terms("tactics", 14, types)
        columns["col_y"] = _terms("techniques", 200, types)
        columns[COUNT] = _count_column()
        visual = {
            "shape": "heatmap",
            "layerId": LAYER,
            "layerType": "data",
            "xAccessor": "col_x",
            "yAccessor": "col_y",
            "valueAccessor": COUNT,
            "legend": {"isVisible": True, "position": "right", "type": "heatmap_legend"},
            "gridConfig": {"type": "heatmap_grid", "isCellLabelVisible": True, "isYAxisLabelVisible": True,
                           "isXAxisLabelVisible": True},
        }  # fmt: skip
        return "lnsHeatmap", visual, columns
    layer: dict[str, Any] = {"layerId": LAYER, "layerType": "data", "seriesType": SERIES[panel.chart]}
    if isinstance(agg, Histogram):
        columns["col_x"] = _date_histogram(TIME_FIELD[panel.source], agg.interval)
        if agg.split:
            columns["col_split"] = _terms(_field(panel, agg.split), agg.size, types)
            layer["splitAccessor"] = "col_split"
    elif isinstance(agg, Top):
        columns["col_x"] = _terms(_field(panel, agg.field), agg.size, types)
    columns[COUNT] = _count_column()
    layer.update(xAccessor="col_x", accessors=[COUNT])
    visual = {
        "legend": {"isVisible": "splitAccessor" in layer, "position": "right"},
        "valueLabels": "hide",
        "preferredSeriesType": layer["seriesType"],
        "layers": [layer],
    }
    return "lnsXY", visual, columns


def panel_object(prefix: str, dashboard: Dashboard, panel: Panel, types: dict[str, str]) -> dict[str, Any]:
    """The saved object standing for one panel: a Lens visualization, or a saved search for a table."""
    object_id = f"{prefix}-{dashboard.id}-{panel.id}"
    view = data_view_id(prefix, panel.source)
    query = kql(panel)
    if isinstance(panel.aggregation, Table):
        indexed = ALERT_FIELDS if panel.source == "alerts" else INCIDENT_FIELDS
        names = [n for n in panel.aggregation.columns if n in indexed]
        source = {"query": query, "filter": [], "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
        attributes = {
            "title": panel.title,
            "description": panel.description,
            "columns": [_field(panel, n) for n in names],
            "sort": [[TIME_FIELD[panel.source], "desc"]],
            "kibanaSavedObjectMeta": {"searchSourceJSON": orjson.dumps(source).decode()},
        }
        ref = {"type": "index-pattern", "id": view, "name": "kibanaSavedObjectMeta.searchSourceJSON.index"}
        return _object("search", object_id, attributes, [ref])
    kind, visual, columns = _lens_state(panel, types)
    layer = {"columns": columns, "columnOrder": list(columns), "incompleteColumns": {}}
    state = {
        "visualization": visual,
        "query": query,
        "filters": [],
        "datasourceStates": {"formBased": {"layers": {LAYER: layer}}},
        "internalReferences": [],
        "adHocDataViews": {},
    }
    attributes = {"title": panel.title, "description": panel.description, "visualizationType": kind, "state": state}
    ref = {"type": "index-pattern", "id": view, "name": f"indexpattern-datasource-layer-{LAYER}"}
    return _object("lens", object_id, attributes, [ref])


def ignores_window(panel: Panel) -> bool:
    """Whether the console shows this panel for all time: a timeless panel, or any over incidents."""
    return panel.timeless or panel.source == "incidents"


def dashboard_object(prefix: str, dashboard: Dashboard, panels: list[dict[str, Any]]) -> dict[str, Any]:
    """A dashboard placing the panel objects two to a row, wide panels across.

    Kibana applies the dashboard's time range to every panel; a panel the
    console shows for all time (an alert queue, open incidents) gets its own
    range, as "Customize time range" stores it, so it lists the same things.
    """
    grid: list[dict[str, Any]] = []
    references = []
    x = y = 0
    row_height = 0
    for index, (panel, saved) in enumerate(zip(dashboard.panels, panels, strict=True)):
        width = 48 if panel.width == 2 else 24
        height = 8 if panel.chart == "number" else 15
        if x + width > 48:
            x, y, row_height = 0, y + row_height, 0
        key = f"p{index}"
        grid.append(
            {
                "type": saved["type"],
                "gridData": {"x": x, "y": y, "w": width, "h": height, "i": key},
                "panelIndex": key,
                "embeddableConfig": {"timeRange": ALL_TIME} if ignores_window(panel) else {},
                "panelRefName": f"panel_{key}",
            }
        )
        references.append({"name": f"{key}:panel_{key}", "type": saved["type"], "id": saved["id"]})
        x, row_height = x + width, max(row_height, height)
    attributes = {
        "title": f"secops: {dashboard.title}",
        "description": dashboard.description,
        "panelsJSON": orjson.dumps(grid).decode(),
        "optionsJSON": orjson.dumps({"useMargins": True, "syncColors": False, "hidePanelTitles": False}).decode(),
        "timeRestore": True,
        "timeFrom": f"now-{dashboard.range}",
        "timeTo": "now",
        "refreshInterval": {"pause": False, "value": dashboard.refresh * 1000},
        "kibanaSavedObjectMeta": {
            "searchSourceJSON": orjson.dumps({"query": {"query": "", "language": "kuery"}, "filter": []}).decode()
        },
    }
    return _object("dashboard", f"{prefix}-{dashboard.id}", attributes, references)


def field_types(prefix: str) -> dict[str, str]:
    """Every field of our index templates with its Elasticsearch type (multi-fields as ``a.b.sub``)."""
    found: dict[str, str] = {}

    def walk(properties: dict[str, Any], path: str) -> None:
        for name, spec in properties.items():
            full = f"{path}{name}"
            if "type" in spec:
                found[full] = spec["type"]
            walk(spec.get("properties", {}), full + ".")
            walk(spec.get("fields", {}), full + ".")

    walk(layout.events_template(prefix)["template"]["mappings"]["properties"], "")
    for kind in ("alerts", "incidents"):
        walk(layout.template_file(f"{kind}.json")["mappings"]["properties"], "")
    return found


def export(dashboards: list[Dashboard], prefix: str = "secops") -> Iterator[dict[str, Any]]:
    """Every saved object, data views first (Kibana resolves references in file order)."""
    types = field_types(prefix)
    yield from data_views(prefix)
    for dashboard in dashboards:
        panels = [panel_object(prefix, dashboard, panel, types) for panel in dashboard.panels]
        yield from panels
        yield dashboard_object(prefix, dashboard, panels)


def ndjson(dashboards: list[Dashboard], prefix: str = "secops") -> bytes:
    return b"".join(orjson.dumps(obj) + b"\n" for obj in export(dashboards, prefix))
