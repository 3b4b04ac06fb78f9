"""``osquery``: osquery result logs (differential, batched and snapshot) → one ECS event per row.

Format (``osqueryd.results.log``, one JSON object per line)::

    {"name":"pack_ir_processes","hostIdentifier":"web1","unixTime":1515423115,"action":"added",
     "columns":{"pid":"4242","name":"nc","path":"/usr/bin/nc","cmdline":"nc -l 4444"},
     "decorations":{"host_uuid":"72E1…"},"counter":"0","epoch":"0"}

``"action":"snapshot"`` lines carry ``"snapshot": [row, …]`` and batched
differentials ``"diffResults": {"added": [...], "removed": [...]}``; each row
becomes its own event. Reference: https://osquery.readthedocs.io/en/stable/deployment/logging/.
Rows are mapped by the table their columns reveal (``osquery_tables``); every
column, the query name, action and decorations stay under ``osquery.result``
as in Elastic's osquery integration. Snapshot rows are ``event.kind: state``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from collectors.endpoint.osquery_tables import FAMILIES, TABLES, TRANSPORTS
from secops import ecs
from secops.errors import ParseError
from secops.inputs import iter_lines
from secops.registry import ParseContext, Parsed, Source, StreamParser, register
from secops.types import Event

DATASET = "osquery.result"
_RESULT_KEYS = (
    ("name", "name"),
    ("hostIdentifier", "host_identifier"),
    ("calendarTime", "calendar_time"),
    ("unixTime", "unix_time"),
    ("epoch", "epoch"),
    ("counter", "counter"),
)
FILE_ACTIONS = {
    "CREATED": "creation",
    "DELETED": "deletion",
    "UPDATED": "change",
    "ATTRIBUTES_MODIFIED": "change",
    "MOVED_FROM": "change",
    "MOVED_TO": "change",
    "ACCESSED": "access",
    "OPENED": "access",
}
"""osquery FIM actions → ``event.type``."""


@register
class OsqueryParser(StreamParser):
    """osquery result logs (one JSON line per result; snapshots become one event per row)."""

    name = "osquery"
    dataset = DATASET
    priority = 45

    def sniff_file(self, head: bytes, path: object) -> bool:
        first = head.split(b"\n", 1)[0]
        return (
            first.startswith(b"{")
            and b'"hostIdentifier"' in first
            and (b'"columns"' in first or b'"snapshot"' in first or b'"diffResults"' in first)
        )

    def sniff_line(self, line: str) -> bool:
        return line.startswith("{") and '"hostIdentifier"' in line

    def stream(self, source: Source, ctx: ParseContext) -> Iterator[Parsed]:
        position = 0
        with source.open() as fh:
            for number, line in enumerate(iter_lines(fh), 1):
                try:
                    rows = list(result_rows(line.text))
                except ParseError as exc:
                    yield Parsed(
                        ecs.parse_failure(line.text, f"line {number}: {exc}", dataset=DATASET), line.text, position
                    )
                    position += 1
                    continue
                for event in rows:
                    yield Parsed(event, line.text, position)
                    position += 1


def result_rows(line: str) -> Iterator[Event]:
    """Every row of one result line, as ECS events."""
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ParseError(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict) or not ("columns" in doc or "snapshot" in doc or "diffResults" in doc):
        raise ParseError("not an osquery result (no columns, snapshot or diffResults)")
    if isinstance(doc.get("columns"), dict):
        yield _row(doc, doc["columns"], str(doc.get("action") or ""))
    elif isinstance(doc.get("snapshot"), list):
        for row in doc["snapshot"]:
            if isinstance(row, dict):
                yield _row(doc, row, "snapshot")
    elif isinstance(doc.get("diffResults"), dict):
        for action in ("removed", "added"):
            for row in doc["diffResults"].get(action) or ():
                if isinstance(row, dict):
                    yield _row(doc, row, action)
    else:
        raise ParseError("osquery result with malformed rows")


def _row(doc: dict[str, Any], columns: dict[str, Any], action: str) -> Event:
    columns = {k: v if isinstance(v, str) else _text(v) for k, v in columns.items()}
    result: dict[str, Any] = {"columns": columns}
    if action:
        result["action"] = action
    for key, name in _RESULT_KEYS:
        if doc.get(key) is not None:
            result[name] = str(doc[key])
    if isinstance(doc.get("decorations"), dict):
        result["decorations"] = doc["decorations"]
    meta: dict[str, Any] = {"kind": "state" if action == "snapshot" else "event", "module": "osquery"}
    meta.update(dataset=DATASET, category=[], type=["info"])
    if action:
        meta["action"] = action
    event: Event = {"event": meta, "osquery": {"result": result}}
    stamp = _timestamp(doc)
    if stamp:
        event["@timestamp"] = stamp
    if doc.get("hostIdentifier"):
        event["host"] = {"name": str(doc["hostIdentifier"])}
    table = _table(columns)
    if table is not None:
        name, _, category, types, mappings = table
        result["table"] = name
        meta["category"], meta["type"] = list(category), list(types)
        if name == "file_events":
            meta["type"] = [FILE_ACTIONS.get(columns.get("action", ""), "change")]
        elif category == ("process",) and action in ("added", "removed"):
            meta["type"] = ["start" if action == "added" else "end"]
        for column, target, kind in mappings:
            value = columns.get(column)
            if value not in (None, "", "-1"):
                _apply(event, target, kind, value)
    return event


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return "" if value is None else str(value)


def _table(columns: dict[str, str]) -> Any:
    keys = columns.keys()
    return next((spec for spec in TABLES if spec[1] <= keys), None)


def _timestamp(doc: dict[str, Any]) -> str | None:
    unix = doc.get("unixTime")
    if unix is not None and str(unix).isdecimal():
        return ecs.format_ts(datetime.fromtimestamp(int(unix), UTC))
    calendar = doc.get("calendarTime")
    if isinstance(calendar, str):
        try:
            return ecs.format_ts(datetime.strptime(calendar, "%a %b %d %H:%M:%S %Y %Z").replace(tzinfo=UTC))
        except ValueError:
            return None
    return None


def _apply(event: Event, target: str, kind: str, value: str) -> None:
    if kind == "text":
        ecs.put(event, target, value)
    elif kind == "int":
        if value.lstrip("-").isdecimal():
            ecs.put(event, target, int(value))
    elif kind == "ip":
        try:
            ecs.put(event, target, str(ipaddress.ip_address(value)))
        except ValueError:
            return
    elif kind == "epoch":
        if value.isdecimal() and int(value) > 0:
            ecs.put(event, target, ecs.format_ts(datetime.fromtimestamp(int(value), UTC)))
    elif kind == "port":
        if value.isdecimal() and 0 < int(value) < 65536:
            ecs.put(event, target, int(value))
    elif kind == "transport":
        if value in TRANSPORTS:
            ecs.put(event, target, TRANSPORTS[value])
        elif value.isdecimal() and value != "0":
            ecs.put(event, "network.iana_number", value)
    elif kind == "family":
        if value in FAMILIES:
            ecs.put(event, target, FAMILIES[value])
    elif kind == "octal_mode":
        ecs.put(event, target, value[-4:].rjust(4, "0"))
    elif kind == "path":
        ecs.put(event, f"{target}.path", value)
        name = value.rsplit("/", 1)[-1]
        ecs.put(event, f"{target}.name", name)
        if "/" in value:
            ecs.put(event, f"{target}.directory", value.rsplit("/", 1)[0] or "/")
        if "." in name.strip("."):
            ecs.put(event, f"{target}.extension", name.rsplit(".", 1)[-1])
