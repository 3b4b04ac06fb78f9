"""Panel queries: one Kibana-style syntax, three meanings depending on what a panel counts.

On events the query is a hunt (``secops.hunt``) over ECS fields, and every
field it names must be an ECS field, because the Elasticsearch templates map
only those and the Kibana export must find them. On alerts and incidents the
same syntax selects by their triage fields and becomes an ``AlertFilter`` or
``IncidentFilter``, so both backends answer it with their own indexes::

    alerts:     status:open   NOT status:closed   severity:>=high   rule:...  host:...  user:...  ip:...
                technique:T1110.003   tactic:credential-access   incident:INC-4   assignee:alice
                NOT _exists_:incident   (alerts in no incident)
    incidents:  state:containment   NOT state:closed   severity:>=medium   assignee:alice

Terms are combined with AND; OR is allowed between values of one field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from secops import ecs, hunt
from secops.cases.models import AlertStatus, IncidentState
from secops.errors import UsageError
from secops.query import And, AnyOf, Cidr, Exists, Match, Not, Or, Query, Range, Text, Wildcard
from secops.store.base import AlertFilter, IncidentFilter, Window
from secops.types import Severity

ALERT_TERMS = ("rule", "host", "user", "ip", "technique", "tactic", "incident", "assignee")
"""Alert fields matched by one value, with the ``AlertFilter`` attribute each sets."""
ALERT_ATTRS = {"incident": "incident_id"}


def parse(text: str) -> Query | None:
    """The query tree of a panel query (any source)."""
    return hunt.parse(text).query


def fields(tree: Query | None) -> Iterator[str]:
    """Every field a query tree names."""
    match tree:
        case None | Text():
            return
        case Match() | AnyOf() | Wildcard() | Range() | Cidr() | Exists():
            yield tree.field
        case And() | Or():
            for item in tree.items:
                yield from fields(item)
        case Not():
            yield from fields(tree.item)


def event_query(text: str) -> Query | None:
    """An events panel's query; a field outside ECS is an error, not a warning."""
    tree = parse(text)
    known = ecs.ecs_fields()
    for name in fields(tree):
        if name not in known:
            raise UsageError(f"{name} is not an ECS field (the index templates map only ECS fields)")
    return tree


def _terms(tree: Query | None) -> list[Query]:
    if tree is None:
        return []
    return list(tree.items) if isinstance(tree, And) else [tree]


def _values(tree: Query, name: str) -> list[str] | None:
    """``name:a`` or ``name:a OR name:b`` (also ``name:(a OR b)``) as the values; None when it is not that."""
    if isinstance(tree, Match) and tree.field == name:
        return [str(tree.value)]
    if isinstance(tree, Or) and tree.items:
        found: list[str] = []
        for item in tree.items:
            values = _values(item, name)
            if values is None:
                return None
            found += values
        return found
    return None


def _severity(tree: Query) -> Severity | None:
    if not (isinstance(tree, Range) and tree.field == "severity" and tree.lt is None and tree.lte is None):
        return None
    try:
        if tree.gte is not None and tree.gt is None:
            return Severity(str(tree.gte))
        if tree.gt is not None and tree.gte is None:
            ranked = list(Severity)
            return ranked[min(Severity(str(tree.gt)).rank + 1, len(ranked) - 1)]
    except ValueError:
        raise UsageError(f"severity is one of {', '.join(Severity)}") from None
    return None


def _states(tree: Query, name: str, kind: type[AlertStatus] | type[IncidentState]) -> tuple[Any, ...] | None:
    """``status:x``, ``status:(x OR y)`` or ``NOT status:x`` as the set of values selected."""
    negated = isinstance(tree, Not)
    values = _values(tree.item if isinstance(tree, Not) else tree, name)
    if values is None:
        return None
    try:
        chosen = {kind(v) for v in values}
    except ValueError:
        raise UsageError(f"{name} is one of {', '.join(kind)}") from None
    return tuple(s for s in kind if (s in chosen) != negated)


def alert_filter(text: str, window: Window = Window()) -> AlertFilter:
    """An alerts panel's query as a filter over the case store."""
    flt = AlertFilter(window=window)
    for term in _terms(parse(text)):
        statuses = _states(term, "status", AlertStatus)
        severity = _severity(term)
        if statuses is not None:
            flt = replace(flt, status=statuses)
        elif severity is not None:
            flt = replace(flt, min_severity=severity)
        elif term == Not(Exists("incident")):
            flt = replace(flt, ungrouped=True)
        elif isinstance(term, Match) and term.field in ALERT_TERMS:
            flt = replace(flt, **{ALERT_ATTRS.get(term.field, term.field): str(term.value)})  # type: ignore[arg-type]
        else:
            raise UsageError(f"alerts cannot be selected by {_describe(term)}; see secops.dashboards.filters")
    return flt


def incident_filter(text: str) -> IncidentFilter:
    """An incidents panel's query as a filter over the case store."""
    flt = IncidentFilter()
    for term in _terms(parse(text)):
        states = _states(term, "state", IncidentState)
        severity = _severity(term)
        if states is not None:
            flt = replace(flt, states=states)
        elif severity is not None:
            flt = replace(flt, min_severity=severity)
        elif isinstance(term, Match) and term.field == "assignee":
            flt = replace(flt, assignee=str(term.value))
        else:
            raise UsageError(f"incidents cannot be selected by {_describe(term)}; see secops.dashboards.filters")
    return flt


def _describe(term: Query) -> str:
    names = sorted(set(fields(term)))
    return ", ".join(names) if names else type(term).__name__.lower()


def check(source: str, text: str) -> None:
    """Raise ``UsageError`` when a panel query cannot be answered on its source."""
    if source == "events":
        event_query(text)
    elif source == "alerts":
        alert_filter(text)
    else:
        incident_filter(text)
