"""Index layout on Elasticsearch: names, dataset families, templates, setup and retention.

Events go to ``<prefix>-events-<family>-YYYY.MM.DD`` (the UTC day of
``@timestamp``; the family from ``event.dataset``/``event.module``, see
``templates/families.json``), under one composable index template whose ECS
mapping is generated from the pinned field list through ``templates/ecs_types.json``
(core field types only, so it installs on any cluster). Alerts, incidents,
the audit log and job state have one index each. Retention deletes whole
daily indices. Everything here is idempotent.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import orjson
from elasticsearch import Elasticsearch

from secops import ecs
from secops.types import Event

CASE_INDICES = ("alerts", "incidents", "audit", "state", "suppressions", "indicators")
EVENTS_PART = "events"
DAY_FORMAT = "%Y.%m.%d"
CASE_REFRESH = "true"
"""How case writes (alerts, incidents, audit) become searchable before the call returns: refreshed at
once. ``wait_for`` waits for the next scheduled refresh, up to a second per write, which every
analyst action and every stored alert paid; case writes are few and their shards small."""


@cache
def template_file(name: str) -> dict[str, Any]:
    """A template data file from ``secops/store/templates``."""
    text = resources.files("secops.store").joinpath("templates", name).read_bytes()
    data: dict[str, Any] = orjson.loads(text)
    data.pop("_comment", None)
    return data


def _insert(tree: dict[str, Any], parts: list[str], mapping: dict[str, Any]) -> None:
    node = tree
    for part in parts[:-1]:
        parent = node.setdefault(part, {"type": "object"})
        if parent.get("type") not in ("object", None):
            # A value field with children (user.name + user.name.text): the children are multi-fields.
            node = parent.setdefault("fields", {})
            continue
        parent.pop("type", None)
        node = parent.setdefault("properties", {})
    leaf = parts[-1]
    existing = node.get(leaf)
    if existing and "properties" in existing:
        if mapping.get("type") == "object":
            return
        existing.update(mapping)  # a value field first seen as a parent: keep both, children become fields
        existing["fields"] = existing.pop("properties")
        return
    node[leaf] = dict(mapping)


@cache
def ecs_properties() -> dict[str, Any]:
    """The ECS mapping as an Elasticsearch ``properties`` tree, core types only."""
    types = template_file("ecs_types.json")
    tree: dict[str, Any] = {}
    for name, ecs_type in sorted(ecs.ecs_fields().items(), key=lambda kv: kv[0].count(".")):
        mapping = types.get(ecs_type)
        if mapping is None:
            continue
        _insert(tree, name.split("."), mapping)
    return tree


def _merge(base: dict[str, Any], over: dict[str, Any]) -> None:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


def events_template(prefix: str) -> dict[str, Any]:
    """The composable index template body for the event indices of a prefix."""
    body = copy.deepcopy(template_file("events.json"))
    overrides = body["template"]["mappings"].pop("properties", {})
    properties = copy.deepcopy(ecs_properties())
    _merge(properties, overrides)
    body["template"]["mappings"]["properties"] = properties
    body["index_patterns"] = [f"{prefix}-{EVENTS_PART}-*"]
    body.setdefault("_meta", {})["ecs_version"] = ecs.ECS_VERSION
    return body


def case_index(prefix: str, kind: str) -> str:
    return f"{prefix}-{kind}"


def events_pattern(prefix: str) -> str:
    return f"{prefix}-{EVENTS_PART}-*"


@cache
def _families() -> tuple[dict[str, str], dict[str, str], dict[str, str], str]:
    data = template_file("families.json")
    return data["datasets"], data["modules"], data["categories"], data["default"]


def family(event: Event) -> str:
    """The dataset family of an event: firewall, endpoint, network, auth, … or ``other``."""
    datasets, modules, categories, default = _families()
    ev = event.get("event")
    if not isinstance(ev, dict):
        return default
    dataset = ev.get("dataset")
    if isinstance(dataset, str):
        if dataset in datasets:
            return datasets[dataset]
        found = modules.get(dataset.split(".", 1)[0])
        if found:
            return found
    module = ev.get("module")
    if isinstance(module, str) and module in modules:
        return modules[module]
    category = ev.get("category")
    for value in category if isinstance(category, list) else [category]:
        if isinstance(value, str) and value in categories:
            return categories[value]
    return default


def day_of(event: Event) -> str:
    """The UTC day of ``@timestamp`` as used in index names; today when it is missing or unreadable."""
    stamp = event.get("@timestamp")
    if isinstance(stamp, str):
        if stamp.endswith("Z") and len(stamp) >= 10 and stamp[4] == "-" and stamp[7] == "-":
            return f"{stamp[0:4]}.{stamp[5:7]}.{stamp[8:10]}"
        try:
            return ecs.parse_ts(stamp).astimezone(UTC).strftime(DAY_FORMAT)
        except ValueError:
            pass
    return datetime.now(UTC).strftime(DAY_FORMAT)


def event_index(prefix: str, event: Event) -> str:
    return f"{prefix}-{EVENTS_PART}-{family(event)}-{day_of(event)}"


def index_day(prefix: str, index: str) -> date | None:
    """The day an event index holds, from its name."""
    if not index.startswith(f"{prefix}-{EVENTS_PART}-"):
        return None
    try:
        return datetime.strptime(index.rsplit("-", 1)[-1], DAY_FORMAT).date()
    except ValueError:
        return None


def setup(client: Elasticsearch, prefix: str) -> dict[str, Any]:
    """Install the event template and create the case indices; safe to run again."""
    report: dict[str, Any] = {}
    client.indices.put_index_template(name=f"{prefix}-{EVENTS_PART}", **events_template(prefix))
    report["template"] = f"{prefix}-{EVENTS_PART} (patterns {events_pattern(prefix)})"
    for kind in CASE_INDICES:
        name = case_index(prefix, kind)
        body = template_file(f"{kind}.json")
        if client.indices.exists(index=name):
            client.indices.put_mapping(index=name, **body["mappings"])
            report[kind] = f"{name} (exists, mapping updated)"
        else:
            client.options(ignore_status=400).indices.create(index=name, **body)
            report[kind] = f"{name} (created)"
    return report


def has_template(client: Elasticsearch, prefix: str) -> bool:
    return bool(client.indices.exists_index_template(name=f"{prefix}-{EVENTS_PART}"))


URL_NAMES_BYTES = 3_000
"""Room for index names in a request line: Elasticsearch refuses lines over 4,096 bytes."""


def index_lists(names: Sequence[str]) -> Iterator[str]:
    """Comma-separated lists of ``names`` short enough for a request line (data spanning years has many days)."""
    chunk: list[str] = []
    size = 0
    for name in names:
        if chunk and size + len(name) + 1 > URL_NAMES_BYTES:
            yield ",".join(chunk)
            chunk, size = [], 0
        chunk.append(name)
        size += len(name) + 1
    if chunk:
        yield ",".join(chunk)


def prune(client: Elasticsearch, prefix: str, older_than: timedelta) -> dict[str, Any]:
    """Delete the daily event indices whose whole day lies before now minus ``older_than``."""
    cutoff = (datetime.now(UTC) - older_than).date()
    names = client.indices.get(index=events_pattern(prefix), expand_wildcards="open,closed", allow_no_indices=True)
    doomed = sorted(n for n in names if (day := index_day(prefix, n)) is not None and day < cutoff)
    events = 0
    for chunk in index_lists(doomed):
        events += int(client.count(index=chunk)["count"])
        client.indices.delete(index=chunk)
    return {
        "cutoff": cutoff.isoformat(),
        "indices_deleted": len(doomed),
        "events_deleted": events,
        "indices": doomed,
        "indices_kept": len(names) - len(doomed),
    }
