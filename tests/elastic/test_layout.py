"""The index layout: core-typed ECS mapping, families, idempotent setup, retention by index."""

from __future__ import annotations

from datetime import timedelta

from elasticsearch import Elasticsearch

from secops import ecs
from secops.registry import parsers
from secops.store import elastic_layout as layout
from tests.elastic.conftest import make_event

CORE_TYPES = {"keyword", "text", "ip", "date", "long", "float", "double", "boolean", "geo_point", "flattened", "object"}


def _leaves(props: dict, prefix: str = ""):
    for name, spec in props.items():
        path = f"{prefix}{name}"
        yield path, spec
        if "properties" in spec:
            yield from _leaves(spec["properties"], path + ".")
        for sub, sub_spec in spec.get("fields", {}).items():
            yield f"{path}.{sub}", sub_spec


def test_mapping_uses_core_types_only_and_covers_every_ecs_field() -> None:
    leaves = dict(_leaves(layout.events_template("x")["template"]["mappings"]["properties"]))
    used = {spec.get("type", "object") for spec in leaves.values()}
    assert used <= CORE_TYPES, used - CORE_TYPES
    missing = [name for name in ecs.ecs_fields() if name not in leaves]
    assert missing == []


def test_field_types_are_chosen_deliberately() -> None:
    leaves = dict(_leaves(layout.events_template("x")["template"]["mappings"]["properties"]))
    assert leaves["source.ip"]["type"] == "ip"
    assert leaves["@timestamp"]["type"] == "date"
    assert leaves["destination.port"]["type"] == "long"
    assert leaves["user.name"]["type"] == "keyword" and leaves["user.name.text"]["type"] == "text"
    assert leaves["process.command_line"] == {
        "type": "keyword",
        "ignore_above": 8191,
        "fields": {"text": {"type": "text", "norms": False}},
    }
    assert leaves["message"]["type"] == "text" and leaves["message.keyword"]["type"] == "keyword"
    assert leaves["event.original"]["doc_values"] is False
    assert leaves["dll.pe.sections"].get("type", "object") == "object"  # ECS nested, kept flat for dotted queries


def test_family_routing() -> None:
    assert layout.family({"event": {"dataset": "cisco_asa.log"}}) == "firewall"
    assert layout.family({"event": {"dataset": "system.auth", "module": "system"}}) == "auth"
    assert layout.family({"event": {"dataset": "zeek.conn"}}) == "network"
    assert layout.family({"event": {"dataset": "mystery.x", "category": ["process"]}}) == "endpoint"
    assert layout.family({"event": {"dataset": "mystery.x"}}) == "other"
    assert layout.day_of({"@timestamp": "2026-01-31T23:30:00-02:00"}) == "2026.02.01"


def test_every_firewall_parser_lands_in_the_firewall_family() -> None:
    """A new vendor parser must not send its events to ``other``, where firewall dashboards never look."""
    firewall = [p for p in parsers().values() if type(p).__module__.startswith("collectors.firewall.")]
    assert len(firewall) >= 15
    wrong = {p.name: layout.family({"event": {"dataset": p.dataset}}) for p in firewall}
    assert {name: fam for name, fam in wrong.items() if fam != "firewall"} == {}


def test_setup_installs_on_the_bare_node_and_is_idempotent(es_client: Elasticsearch, es_prefix: str) -> None:
    first = layout.setup(es_client, es_prefix)
    second = layout.setup(es_client, es_prefix)
    assert "created" in first["alerts"] and "exists" in second["alerts"]
    index = layout.event_index(es_prefix, make_event(1))
    es_client.index(index=index, id="a", document=make_event(1), refresh=True)
    mapping = es_client.indices.get_mapping(index=index)[index]["mappings"]
    assert mapping["properties"]["source"]["properties"]["ip"]["type"] == "ip"
    assert index == f"{es_prefix}-events-firewall-2026.11.20"


def test_prune_deletes_only_whole_old_indices(es_client: Elasticsearch, es_prefix: str) -> None:
    layout.setup(es_client, es_prefix)
    for day in ("2001.01.01", "2001.01.02"):
        es_client.indices.create(index=f"{es_prefix}-events-firewall-{day}")
    es_client.index(index=f"{es_prefix}-events-firewall-2001.01.01", document={"a": 1}, refresh=True)
    recent = layout.event_index(es_prefix, {"@timestamp": ecs.now_ts(), "event": {"dataset": "zeek.conn"}})
    es_client.indices.create(index=recent)
    result = layout.prune(es_client, es_prefix, timedelta(days=30))
    assert result["indices_deleted"] == 2 and result["events_deleted"] == 1
    assert es_client.indices.exists(index=recent)
    assert not es_client.indices.exists(index=f"{es_prefix}-events-firewall-2001.01.01")
