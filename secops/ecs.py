"""ECS event helpers: dotted access, timestamps, deterministic ids, failure events.

Events are plain nested dicts (``{"source": {"ip": ...}}``) as Elasticsearch
stores them. These helpers are on the hot path of every collector, so they
stay small and allocation-light.

The pinned ECS field list (``secops/data/ecs_fields.csv``) is the ECS 9.4.0
field reference from elastic/ecs (Apache-2.0), reduced to name, type and
normalization. Tests check emitted and rule-referenced fields against it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import secops_native

from secops.types import EcsField, Event

if TYPE_CHECKING:
    from secops.inputs import Line  # for the annotation only: importing this module stays light

ECS_VERSION: str = secops_native.ECS_VERSION
"""The ECS version every event is stamped with (``ecs.version``), that of the pinned field list below."""

VENDOR_NAMESPACES: tuple[str, ...] = (
    "cisco.",
    "panw.",
    "fortinet.",
    "pfsense.",
    "iptables.",
    "netfilter.",
    "checkpoint.",
    "juniper.",
    "sonicwall.",
    "cef.",
    "leef.",
    "winlog.",
    "auditd.",
    "osquery.",
    "zeek.",
    "suricata.",
    "system.",
    "sysmon.",
    "linux.",
    "secops.",
    "powershell.",
    "sophos.",
    "zscaler_zia.",
    "barracuda_cloudgen_firewall.",
    "mikrotik.",
    "windows_firewall.",
    "syslog.",
)
"""Namespaces that hold vendor fields ECS lacks, the way Elastic's integrations name them."""


def get(event: Mapping[str, Any], path: EcsField, default: Any = None) -> Any:
    """Read a dotted field from a nested event; also finds literal dotted keys."""
    node: Any = event
    for part in path.split("."):
        if node.__class__ is not dict and not isinstance(node, Mapping):
            return default
        child = node.get(part, _ABSENT)
        if child is _ABSENT:
            # Some producers (Winlogbeat, Elastic's pipelines) keep dotted keys flat.
            return event.get(path, default) if node is event else default
        node = child
    return node


_ABSENT = object()


def put(event: Event, path: EcsField, value: Any) -> None:
    """Write a dotted field into a nested event, creating parents as needed."""
    parts = path.split(".")
    node = event
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def put_if(event: Event, path: EcsField, value: Any) -> None:
    """Write a field only when the value is present (not None and not empty)."""
    if value is not None and value != "" and value != []:
        put(event, path, value)


class Related:
    """A ``related.*`` recipe: ``related.<key>`` gathers the strings at the fields ``sources[key]``
    names, in order (every value of a list, or of a group such as ``process.hash``).

    Parsers build one per module and ``fill`` every event with it; field paths are split once
    here, because this runs on every event of the hottest paths.
    """

    __slots__ = ("_plan",)

    def __init__(self, sources: Mapping[str, tuple[EcsField, ...]]) -> None:
        self._plan = tuple(
            (key, tuple((field, *_head_and_rest(field)) for field in fields)) for key, fields in sources.items()
        )

    def fill(self, event: Event) -> None:
        for key, fields in self._plan:
            values: list[Any] = []
            for field, top, rest in fields:
                # ``get`` inlined on a path split once: most events lack most of these fields, so a miss must be cheap.
                node = event.get(top, _ABSENT)
                if node is _ABSENT:
                    node = event.get(field)  # a flat dotted key
                else:
                    for part in rest:
                        if node.__class__ is not dict and not isinstance(node, Mapping):
                            node = None
                            break
                        node = node.get(part)
                if node is None:
                    continue
                if node.__class__ is str:
                    values.append(node)
                elif isinstance(node, dict):
                    values.extend(node.values())
                elif isinstance(node, list):
                    values.extend(node)
            if values:
                extend_related(event, key, values)


def _head_and_rest(field: EcsField) -> tuple[str, tuple[str, ...]]:
    top, *rest = field.split(".")
    return top, tuple(rest)


def extend_related(event: Event, key: str, values: Iterable[Any]) -> None:
    """Add the distinct non-empty strings of ``values`` to ``related.<key>``, after any already there."""
    related = event.get("related")
    found: list[str] = list(related.get(key) or ()) if isinstance(related, dict) else []
    for item in values:
        if isinstance(item, str) and item and item not in found:
            found.append(item)
    if found:
        event.setdefault("related", {})[key] = found


def flatten(event: Mapping[str, Any], prefix: str = "") -> dict[EcsField, Any]:
    """Flatten a nested event into ``{"dotted.name": value}``; lists stay values."""
    out: dict[EcsField, Any] = {}
    for key, value in event.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def unflatten(fields: Mapping[EcsField, Any]) -> Event:
    """Build a nested event from dotted names."""
    event: Event = {}
    for name, value in fields.items():
        put(event, name, value)
    return event


def iter_fields(event: Mapping[str, Any]) -> Iterator[EcsField]:
    """Yield every leaf field name of an event."""
    return iter(flatten(event))


def format_ts(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``; milliseconds unless the source has finer precision."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach the source's time zone first")
    moment = moment.astimezone(UTC)
    spec = "microseconds" if moment.microsecond % 1000 else "milliseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def now_ts() -> str:
    """The current time as an ECS timestamp."""
    return format_ts(datetime.now(UTC))


def parse_ts(value: str) -> datetime:
    """Parse an ECS timestamp (RFC 3339, ``Z`` or offset) into an aware datetime."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


event_id: Callable[[str, str], str] = secops_native.event_id
"""A deterministic id from the source's identity and the raw record (blake2b, 16 bytes, hex).

Re-ingesting the same record from the same source yields the same id, so
stores can refuse duplicates; identical lines at different positions differ
because the identity carries the position. Native (``collectors/native/src/event_id.rs``):
it runs once for every record of every input."""


envelope: Callable[..., Event] = secops_native.envelope
"""``envelope(event, *, raw, identity, dataset, ingested, path=None, offset=None)``: fill the fields DESIGN.md
says are always set.

``event.kind/category/type/dataset/module`` where the parser left them out,
always ``event.original``, ``event.ingested``, ``event.id`` (``event_id`` of
``identity`` and ``raw``) and ``ecs.version``, and ``@timestamp`` from
``ingested`` where the parser found no time; parser values stay. A record
read from a file gives its ``path`` (``log.file.path``) and, for a line, its
byte ``offset`` (``log.offset``); other ``log`` fields stay. The event is
changed in place and returned. Native (``collectors/native/src/envelope.rs``):
it runs once for every record of every input."""

envelope_lines: Callable[[list[Event], list[Line], list[str], str, str, str], None] = secops_native.envelope_lines
"""``envelope_lines(events, lines, datasets, key, ingested, path)``: ``envelope`` for a window of a file's lines.

Each event is enveloped in place with its line's text as ``raw``,
``key:offset`` as identity and its dataset, and gets ``log.file.path`` and
``log.offset`` (other ``log`` fields stay): one native call for the window."""


UNPARSED = "secops.unparsed"
"""``event.dataset`` of a record no parser recognises."""


def parse_failure(raw: str, message: str, *, dataset: str = UNPARSED) -> Event:
    """The event for a record no parser understood: nothing is dropped silently."""
    return {
        "event": {"kind": "pipeline_error", "category": [], "type": [], "dataset": dataset},
        "error": {"message": message},
        "tags": ["_parse_failure"],
        "message": raw,
    }


@cache
def ecs_fields() -> dict[EcsField, str]:
    """The pinned ECS field list: name → Elasticsearch type."""
    text = resources.files("secops.data").joinpath("ecs_fields.csv").read_text("utf-8")
    return {row["field"]: row["type"] for row in csv.DictReader(text.splitlines())}


def is_known_field(name: EcsField) -> bool:
    """True for ECS fields, custom objects' children, and vendor namespaces."""
    if name in ecs_fields() or name.startswith(VENDOR_NAMESPACES):
        return True
    # Children of ECS `object`/`flattened` fields (labels.*, dns.answers.*) are allowed.
    fields = ecs_fields()
    parts = name.split(".")
    return any(fields.get(".".join(parts[:i])) in ("object", "flattened", "nested") for i in range(1, len(parts)))
