"""Where an alert's entities live in ECS events, for suppressions, timelines and IOC alerts.

An entity kind (``hosts``, ``users`` …, the fields of ``Entities``) maps to
the ECS fields that can carry it; an event "has" a host when any of those
fields holds the value. Host and user names compare without case (Windows
writes ``WS-01`` and ``ws-01`` for the same machine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from secops import ecs
from secops.cases.models import Entities
from secops.query import AnyOf, Or, Query

ENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "hosts": ("host.name", "host.hostname", "winlog.computer_name"),
    "users": ("user.name", "source.user.name", "destination.user.name", "user.target.name"),
    "ips": ("source.ip", "destination.ip", "client.ip", "server.ip", "host.ip"),
    "processes": ("process.executable", "process.name", "process.parent.executable"),
    "files": ("file.path",),
}
"""Where each kind of entity is read from an ECS event, in order of preference.

``observer.hostname`` is left out on purpose: the firewall that logged a
connection is not a party to it, and as an entity it would tie every alert it
ever saw into one incident."""
CASELESS = frozenset({"hosts", "users"})
GROUPING_KINDS = ("hosts", "users", "ips")
"""The kinds that tie alerts together into incidents and timelines."""


def values_of(event: Mapping[str, Any], kind: str) -> list[str]:
    """The values an event carries for an entity kind (lists flattened, empties dropped)."""
    found: list[str] = []
    for field in ENTITY_FIELDS[kind]:
        value = ecs.get(event, field)
        for item in value if isinstance(value, list) else [value]:
            if item not in (None, "", "-"):
                found.append(str(item))
    return found


def fold(kind: str, value: str) -> str:
    """The comparison form of an entity value."""
    return value.casefold() if kind in CASELESS else value


def entities_of(event: Mapping[str, Any]) -> Entities:
    """The entities of one event, each kind de-duplicated in order."""
    return Entities(**{kind: list(dict.fromkeys(values_of(event, kind))) for kind in ENTITY_FIELDS})


def entity_query(entities: Entities, kinds: Iterable[str] = GROUPING_KINDS) -> Query | None:
    """Events that carry any of the given entities (None when there are none)."""
    items: list[Query] = []
    for kind in kinds:
        values: tuple[str, ...] = tuple(getattr(entities, kind))
        if values:
            items.extend(AnyOf(field, values, case_insensitive=kind in CASELESS) for field in ENTITY_FIELDS[kind])
    if not items:
        return None
    return items[0] if len(items) == 1 else Or(tuple(items))
