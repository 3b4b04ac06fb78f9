"""MISP JSON exports: events (``{"Event": …}``, a list of them, or ``{"response": […]}``) and attribute searches.

Attributes of an event and of its objects are read; only those flagged
``to_ids`` (MISP's "use for detection") unless asked for all, never deleted
ones. Composite types (``domain|ip``, ``filename|sha256``, ``ip-dst|port``)
give the parts we can match. The event's threat level sets the severity,
its info the description, its tags and the attribute's the tags. Reference:
MISP core format (RFC draft "MISP core format", section 2).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from secops.ioc.model import IndicatorType, make
from secops.ioc.readers import ReadResult
from secops.types import Severity

PART_TYPES: dict[str, IndicatorType] = {
    "ip-src": IndicatorType.IP,
    "ip-dst": IndicatorType.IP,
    "ip": IndicatorType.IP,
    "domain": IndicatorType.DOMAIN,
    "hostname": IndicatorType.DOMAIN,
    "url": IndicatorType.URL,
    "uri": IndicatorType.URL,
    "link": IndicatorType.URL,
    "md5": IndicatorType.MD5,
    "sha1": IndicatorType.SHA1,
    "sha256": IndicatorType.SHA256,
}
THREAT_LEVELS = {"1": Severity.HIGH, "2": Severity.MEDIUM, "3": Severity.LOW, "4": Severity.MEDIUM}


def _events(data: Any) -> Iterator[dict[str, Any]]:
    """Every event in an export, whatever its wrapping."""
    if isinstance(data, list):
        for item in data:
            yield from _events(item)
    elif isinstance(data, dict):
        if isinstance(data.get("Event"), dict):
            yield data["Event"]
        elif "response" in data:
            yield from _events(data["response"])
        elif isinstance(data.get("Attribute"), list) and "info" not in data:
            yield {"Attribute": data["Attribute"], "info": None}
        elif "Attribute" in data or "Object" in data:
            yield data


def _tags(holder: dict[str, Any]) -> list[str]:
    return [str(t["name"]) for t in holder.get("Tag") or [] if isinstance(t, dict) and t.get("name")]


def read_export(data: Any, source: str, result: ReadResult, *, include_all: bool = False) -> None:
    events = list(_events(data))
    if not events:
        result.problems.append(f"{source}: no MISP event or attribute list found")
        return
    for event in events:
        label = f"event {event.get('uuid') or event.get('id') or '?'}"
        severity = THREAT_LEVELS.get(str(event.get("threat_level_id")), Severity.HIGH)
        event_tags = _tags(event)
        attributes = list(event.get("Attribute") or [])
        for obj in event.get("Object") or []:
            attributes += obj.get("Attribute") or [] if isinstance(obj, dict) else []
        for number, attr in enumerate(attributes, 1):
            if not isinstance(attr, dict):
                result.problems.append(f"{source}: {label} attribute {number}: not an object")
                continue
            if attr.get("deleted") in (True, "1", 1) or not (include_all or attr.get("to_ids") in (True, "1", 1)):
                result.skipped += 1
                continue
            kinds = str(attr.get("type", "")).split("|")
            values = str(attr.get("value", "")).split("|")
            if len(kinds) != len(values):
                result.problems.append(
                    f"{source}: {label} attribute {number}: value does not fit type {attr.get('type')}"
                )
                continue
            used = 0
            for kind_name, value in zip(kinds, values, strict=True):
                kind = PART_TYPES.get(kind_name)
                if kind is None:
                    continue
                try:
                    result.indicators.append(
                        make(
                            kind,
                            value,
                            source,
                            description=attr.get("comment") or event.get("info"),
                            severity=severity,
                            tags=list(dict.fromkeys([*event_tags, *_tags(attr)])),
                        )
                    )
                    used += 1
                except ValueError as exc:
                    result.problems.append(f"{source}: {label} attribute {number}: {exc}")
            if not used:
                result.skipped += 1
