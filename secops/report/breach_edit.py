"""Changing an incident's breach facts: ``key=value`` assignments, a file, a recorded notification.

Each change is validated against ``breach_model.Breach`` as a whole and saved
with the store's audited ``update_incident``, so the audit log holds the
breach record before and after every edit.

Assignments take dotted paths (``individuals.by_us_state.CA=1200``). A list
field takes comma-separated values (``data_elements=name,SSN``); ``+=`` adds
to it and ``-=`` takes away; an empty value (``aware_at=``) unsets a field. A
value starting with ``[`` or ``{`` is read as JSON. A time without a zone is
read in the zone given (``--timezone``), then kept in UTC.
"""

from __future__ import annotations

import json
import re
import tomllib
import types
import typing
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from secops.cases.incidents import load, now
from secops.cases.models import Incident
from secops.errors import InputError, UsageError
from secops.report.breach_model import Breach, Notification, read, stored
from secops.store.base import CaseStore

_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_.\-]+?)\s*([+-]?=)(.*)$", re.S)


def _unwrap(annotation: Any) -> Any:
    """The type inside ``X | None`` and ``Annotated[X, ...]``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def leaf_type(path: str) -> Any:
    """The declared type at a dotted path of ``Breach`` (a dict key is any segment after a dict field)."""
    current: Any = Breach
    for depth, part in enumerate(path.split(".")):
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                known = ", ".join(sorted(current.model_fields))
                raise UsageError(f"unknown breach field {'.'.join(path.split('.')[: depth + 1])!r} (known: {known})")
            current = field.annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            raise UsageError(f"{path!r}: {'.'.join(path.split('.')[:depth])} has no parts")
    return _unwrap(current)


def _convert(path: str, kind: Any, text: str, zone: tzinfo) -> Any:
    text = text.strip()
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}: not valid JSON: {exc}") from exc
    if typing.get_origin(kind) is list:
        inner = _unwrap(typing.get_args(kind)[0])
        return [_convert(path, inner, item, zone) for item in text.split(",") if item.strip()]
    if kind is datetime:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise UsageError(f"{path}: not a time: {text!r} (use e.g. 2026-11-20T09:30Z)") from exc
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()
    return text


def _walk(data: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    return node, parts[-1]


def assign(data: dict[str, Any], assignment: str, zone: tzinfo) -> None:
    """Apply one ``key=value`` (or ``+=``, ``-=``) to a breach mapping in place."""
    match = _ASSIGN.match(assignment)
    if not match:
        raise UsageError(f"not an assignment: {assignment!r} (use key=value, key+=value or key-=value)")
    path, op, raw = match.groups()
    kind = leaf_type(path)
    head, _, code = path.rpartition(".")
    if head == "individuals.by_us_state":
        # ``tx=5`` replaces a recorded ``TX``; the model refuses codes that are not states.
        path = f"{head}.{code.upper()}"
    node, key = _walk(data, path)
    if op == "=":
        if raw.strip() == "":
            node.pop(key, None)
        else:
            node[key] = _convert(path, kind, raw, zone)
        return
    if typing.get_origin(kind) is not list:
        raise UsageError(f"{path}: {op} works on list fields only")
    value = _convert(path, kind, raw, zone)
    items = value if isinstance(value, list) else [value]
    current = list(node.get(key) or [])
    if op == "+=":
        node[key] = current + [i for i in items if i not in current]
    else:
        node[key] = [i for i in current if i not in items]


def validated(data: dict[str, Any], *, where: str) -> Breach:
    return read(data, where=where)


def _save(cases: CaseStore, incident: Incident, breach: Breach, *, actor: str, action: str) -> Incident:
    changed = incident.model_copy(update={"breach": stored(breach), "updated": now()})
    cases.update_incident(changed, actor=actor, action=action)
    return changed


def set_fields(cases: CaseStore, incident_id: str, assignments: Sequence[str], *, actor: str, zone: tzinfo) -> Incident:
    """Apply assignments to an incident's breach record, all or none."""
    if not assignments:
        raise UsageError("nothing to set: give key=value pairs")
    incident = load(cases, incident_id)
    data = _state_codes_upper(json.loads(json.dumps(incident.breach)))
    for item in assignments:
        assign(data, item, zone)
    return _save(cases, incident, validated(data, where=incident_id), actor=actor, action="incident.breach")


def merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``update`` laid over ``base``: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in update.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def read_file(path: Path) -> dict[str, Any]:
    """A breach record from a TOML or JSON file."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise InputError(f"not valid {kind}: {exc}", where=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError("the file must hold one table/object", where=str(path))
    return _jsonable(data)


def _jsonable(value: Any) -> Any:
    """TOML datetimes as ISO text (naive ones are rejected later by the model, with the field named)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _state_codes_upper(data: dict[str, Any]) -> dict[str, Any]:
    """US state codes upper case, in place: ``tx`` and ``TX`` are one count, whoever wrote which.

    A file, an assignment or a record stored by an older version may spell a
    code either way; a clash within one mapping is left to the model to refuse.
    """
    people = data.get("individuals")
    if not isinstance(people, dict) or not isinstance(counts := people.get("by_us_state"), dict):
        return data
    if len({str(k).strip().upper() for k in counts}) == len(counts):
        people["by_us_state"] = {str(k).strip().upper(): v for k, v in counts.items()}
    return data


def edit_from_file(cases: CaseStore, incident_id: str, path: Path, *, actor: str, replace: bool = False) -> Incident:
    """Lay a file's fields over the breach record (or replace it with ``replace``)."""
    incident = load(cases, incident_id)
    data = _state_codes_upper(read_file(path))
    combined = data if replace else merge(_state_codes_upper(json.loads(json.dumps(incident.breach))), data)
    breach = validated(combined, where=str(path))
    return _save(cases, incident, breach, actor=actor, action="incident.breach")


def record_notification(cases: CaseStore, incident_id: str, notification: Notification, *, actor: str) -> Incident:
    """Add a submission to the incident's ledger of notifications made."""
    incident = load(cases, incident_id)
    breach = validated(incident.breach, where=incident_id)
    entry = notification.model_copy(update={"recorded_by": notification.recorded_by or actor})
    updated = breach.model_copy(update={"notifications": [*breach.notifications, entry]})
    return _save(cases, incident, updated, actor=actor, action="incident.notified")
