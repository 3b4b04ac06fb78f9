"""Dashboard files: the project's own load cleanly; broken ones are reported as file:line, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops import ecs
from secops.cases.models import AlertStatus, IncidentState
from secops.dashboards import filters
from secops.dashboards.loader import default_dir, load, load_dir
from secops.errors import ConfigError, UsageError
from secops.types import Severity

GOOD_PANEL = """
[[panels]]
id = "denies"
title = "Denies"
query = "event.type:denied"
chart = "hbar"
[panels.aggregation]
kind = "top"
field = "source.ip"
"""


def test_project_dashboards_load_without_problems() -> None:
    dashboards, problems = load_dir(default_dir())
    assert problems == []
    assert [d.id for d in dashboards] == ["overview", "alerts", "firewall", "network", "endpoint", "attack"]
    charts = {p.chart for d in dashboards for p in d.panels}
    assert charts == {"line", "stacked_bar", "hbar", "number", "table", "matrix"}


def test_event_panels_name_only_ecs_fields() -> None:
    known = ecs.ecs_fields()
    for dashboard in load():
        for panel in dashboard.panels:
            if panel.source != "events":
                continue
            used = [*filters.fields(filters.parse(panel.query)), *panel.fields_used()]
            assert [f for f in used if f not in known] == [], f"{dashboard.id}/{panel.id}"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_problems_name_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "dash"
    bad = write(
        folder,
        "bad.toml",
        'id = "bad"\ntitle = "Bad"\n'  # lines 1-2
        + GOOD_PANEL  # lines 3-11
        + '\n[[panels]]\nid = "t"\ntitle = "Over time"\nchart = "hbar"\n'  # 13-17: wrong chart on line 16
        + '[panels.aggregation]\nkind = "histogram"\n'
        + '\n[[panels]]\nid = "q"\ntitle = "Vendor field"\nquery = "cisco.asa.message_id:106023"\n'  # 23: query
        + 'chart = "number"\naggregation = { kind = "count" }\n'
        + '\n[[panels]]\nid = "x"\ntitle = "Typo"\nchrat = "number"\nchart = "number"\n'  # 30: unknown key
        + 'aggregation = { kind = "count" }\n',
    )
    write(folder, "broken.toml", 'id = "b"\ntitle = "B"\n[[panels]\n')
    _, problems = load_dir(folder)
    by_line = {(p.path.name, p.line): p.message for p in problems}
    assert ("bad.toml", 16) in by_line and "drawn as line or bar or stacked_bar" in by_line[("bad.toml", 16)]
    assert ("bad.toml", 23) in by_line and "not an ECS field" in by_line[("bad.toml", 23)]
    assert ("bad.toml", 30) in by_line and "chrat" in by_line[("bad.toml", 30)]
    assert any(p.path == folder / "broken.toml" and p.line == 3 and "TOML" in p.message for p in problems)
    assert len(problems) == 4, problems
    assert str(problems[0]).startswith(f"{bad.parent}/")
    with pytest.raises(ConfigError) as caught:
        load(folder)
    assert "bad.toml:16:" in str(caught.value) and "broken.toml:3:" in str(caught.value)


def test_duplicate_dashboard_ids_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dash"
    write(folder, "a.toml", 'id = "same"\ntitle = "A"\n' + GOOD_PANEL)
    write(folder, "b.toml", 'id = "same"\ntitle = "B"\n' + GOOD_PANEL)
    _, problems = load_dir(folder)
    assert [(p.path.name, "already used" in p.message) for p in problems] == [("b.toml", True)]


def test_alert_queries_become_filters() -> None:
    flt = filters.alert_filter(
        "status:(open OR acknowledged) AND severity:>=high AND host:web01 AND NOT _exists_:incident"
    )
    assert flt.status == (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
    assert flt.min_severity is Severity.HIGH
    assert flt.host == "web01" and flt.ungrouped
    assert filters.alert_filter("NOT status:closed").status == (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
    assert filters.alert_filter("severity:>medium").min_severity is Severity.HIGH
    assert filters.incident_filter("NOT state:closed").states == tuple(s for s in IncidentState if s.value != "closed")
    with pytest.raises(UsageError, match=r"source\.ip"):
        filters.alert_filter("source.ip:10.0.0.1")
    with pytest.raises(UsageError, match="status is one of"):
        filters.alert_filter("status:pending")
