"""The Kibana export: valid NDJSON whose objects reference only our data views and fields our templates map."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
from luqum.parser import parser
from luqum.tree import AndOperation, OrOperation, UnknownOperation

from secops.dashboards import filters, kibana
from secops.dashboards.loader import load
from secops.store import elastic_layout as layout
from tests.conftest import REPO

TEMPLATES = REPO / "secops" / "store" / "templates"
KQL_FIELD = re.compile(r"(?:^|\(|\s)(?:not\s+)?([A-Za-z_@][\w.@]*)\s*(?::|>=|<=|>|<)")


def template_fields() -> dict[str, set[str]]:
    """Fields per data view title, read from the template files (events: as installed, ECS mapping included)."""

    def walk(properties: dict[str, Any], path: str, out: set[str]) -> set[str]:
        for name, spec in properties.items():
            if "type" in spec:
                out.add(path + name)
            walk(spec.get("properties", {}), f"{path}{name}.", out)
            walk(spec.get("fields", {}), f"{path}{name}.", out)
        return out

    events = layout.events_template("secops")
    assert events["template"]["mappings"]["properties"]["event"]["properties"]["original"]  # from events.json
    found = {"secops-events-*": walk(events["template"]["mappings"]["properties"], "", set())}
    for kind in ("alerts", "incidents"):
        mapping = orjson.loads((TEMPLATES / f"{kind}.json").read_bytes())["mappings"]["properties"]
        found[f"secops-{kind}"] = walk(mapping, "", set())
    return found


def export() -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "secops", "dashboards", "export-kibana", "--prefix", "secops"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    lines = result.stdout.decode().splitlines()
    assert lines and all(line.strip() for line in lines)
    return [orjson.loads(line) for line in lines]


def query_fields(query: dict[str, str]) -> set[str]:
    if query["language"] == "lucene":
        return set(filters.fields(filters.parse(query["query"])))
    return set(KQL_FIELD.findall(query["query"]))


def referenced_fields(obj: dict[str, Any]) -> set[str]:
    attributes = obj["attributes"]
    if obj["type"] == "lens":
        state = attributes["state"]
        fields = query_fields(state["query"])
        for layer in state["datasourceStates"]["formBased"]["layers"].values():
            fields |= {c["sourceField"] for c in layer["columns"].values() if c["sourceField"] != "___records___"}
        return fields
    if obj["type"] == "search":
        source = orjson.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
        return query_fields(source["query"]) | set(attributes["columns"]) | {s[0] for s in attributes["sort"]}
    if obj["type"] == "index-pattern":
        return {attributes["timeFieldName"]}
    return set()


def test_export_is_ndjson_of_saved_objects_that_resolve() -> None:
    objects = export()
    by_id = {(o["type"], o["id"]): o for o in objects}
    assert len(by_id) == len(objects), "object ids are unique"
    kinds = [o["type"] for o in objects]
    assert kinds.count("index-pattern") == 3 and kinds.index("index-pattern") == 0
    dashboards = load()
    assert kinds.count("dashboard") == len(dashboards)
    assert kinds.count("lens") + kinds.count("search") == sum(len(d.panels) for d in dashboards)
    for obj in objects:
        assert set(obj) >= {"type", "id", "attributes", "references"}
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in by_id, f"{obj['id']} references a missing {ref}"
        if obj["type"] == "dashboard":
            grid = orjson.loads(obj["attributes"]["panelsJSON"])
            names = {r["name"] for r in obj["references"]}
            assert all(f"{p['panelIndex']}:{p['panelRefName']}" in names for p in grid)
            assert all(p["gridData"]["x"] >= 0 and p["gridData"]["x"] + p["gridData"]["w"] <= 48 for p in grid)


def test_every_field_exists_in_our_index_templates() -> None:
    objects = export()
    mapped = template_fields()
    views = {o["id"]: o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"}
    assert set(views.values()) == set(mapped)
    checked = 0
    for obj in objects:
        fields = referenced_fields(obj)
        if obj["type"] == "index-pattern":
            title = obj["attributes"]["title"]
        elif obj["type"] in ("lens", "search"):
            refs = [r for r in obj["references"] if r["type"] == "index-pattern"]
            assert len(refs) == 1
            title = views[refs[0]["id"]]
        else:
            continue
        missing = sorted(f for f in fields if f not in mapped[title])
        assert missing == [], f"{obj['type']} {obj['id']} uses fields {title} does not map: {missing}"
        checked += len(fields)
    assert checked > 50


def test_data_view_titles_match_the_index_names_we_write() -> None:
    objects = export()
    titles = {o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"}
    written = layout.event_index("secops", {"@timestamp": "2026-11-25T10:00:00Z", "event": {"module": "cisco_asa"}})
    pattern = next(t for t in titles if t.endswith("*"))
    assert re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), written)
    assert {layout.case_index("secops", "alerts"), layout.case_index("secops", "incidents")} <= titles


def test_a_non_ecs_field_would_be_caught(tmp_path: Path) -> None:
    """The cross-check can fail: a vendor field outside the template is reported."""
    mapped = template_fields()["secops-events-*"]
    assert "source.ip" in mapped and "cisco.asa.message_id" not in mapped
    lens = {"type": "lens", "attributes": {"state": {
        "query": {"language": "lucene", "query": "cisco.asa.message_id:106023"},
        "datasourceStates": {"formBased": {"layers": {"l": {"columns": {}}}}}}}}  # fmt: skip
    assert referenced_fields(lens) == {"cisco.asa.message_id"}


def test_panels_shown_for_all_time_keep_their_range_in_kibana() -> None:
    """Kibana filters every panel by the dashboard's range: the open queue and open incidents must not lose the old."""
    objects = export()
    checked = 0
    for dashboard in load():
        saved = next(o for o in objects if o["type"] == "dashboard" and o["id"] == f"secops-{dashboard.id}")
        grid = orjson.loads(saved["attributes"]["panelsJSON"])
        for panel, placed in zip(dashboard.panels, grid, strict=True):
            own = placed["embeddableConfig"].get("timeRange")
            if panel.timeless or panel.source == "incidents":
                assert own is not None and own["to"] == "now", (dashboard.id, panel.id)
                assert re.fullmatch(r"now-\d+y", own["from"]) and int(own["from"][4:-1]) >= 50
                checked += 1
            else:
                assert own is None, (dashboard.id, panel.id)  # the dashboard's range, as in the console
    assert checked >= 6  # the alert queue's four, overview's open alerts and both incident panels


def test_event_queries_mean_in_kibana_what_they_mean_here(tmp_path: Path) -> None:
    """Kibana's Lucene mode ORs terms side by side and has no AND-before-OR; a bare / starts a regex."""
    written = 'event.category:network event.type:denied OR source.ip:10.0.0.0/8 NOT user.name:"svc backup"'
    (tmp_path / "mine.toml").write_text(
        'id = "mine"\ntitle = "Mine"\n[[panels]]\nid = "p"\ntitle = "P"\n'
        f'query = \'{written}\'\nchart = "number"\n[panels.aggregation]\nkind = "count"\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "secops", "dashboards", "export-kibana", "--dir", str(tmp_path)],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    lens = [orjson.loads(line) for line in result.stdout.splitlines() if b'"type":"lens"' in line]
    exported = lens[0]["attributes"]["state"]["query"]
    assert exported["language"] == "lucene"
    text = exported["query"]
    assert filters.parse(text) == filters.parse(written)  # the same query, read our way
    stack = [parser.parse(text)]
    while stack:  # read Lucene's way: no term without an operator, no AND and OR mixed unbracketed
        node = stack.pop()
        assert not isinstance(node, UnknownOperation), text
        if isinstance(node, AndOperation | OrOperation):
            ops = AndOperation | OrOperation
            mixed = [c for c in node.children if isinstance(c, ops) and type(c) is not type(node)]
            assert mixed == [], text
        stack.extend(node.children)
    assert '"10.0.0.0/8"' in text and "10.0.0.0/8 " not in text.replace('"10.0.0.0/8"', "")
    for dashboard in load():  # and the bundled panels still say what they said
        for panel in dashboard.panels:
            if panel.source == "events":
                assert filters.parse(kibana.lucene(panel.query)) == filters.parse(panel.query), panel.id
