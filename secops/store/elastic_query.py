"""``secops.query`` trees as Elasticsearch query DSL.

The translation follows the embedded store's semantics: a list field matches
when any element does (Elasticsearch's own rule), ``Text`` is a
case-insensitive substring of the raw record or the message, ``Cidr`` is a
term on an ``ip`` field. Fields mapped as ``text`` are compared through their
exact ``.keyword`` sub-field, so ``Match`` means equality on every field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from secops import ecs
from secops.query import And, Cidr, Exists, Match, Not, Or, Query, Range, Text, Wildcard

EXACT_FIELD = {"message": "message.keyword", "error.message": "error.message.keyword"}
"""Text fields and the keyword sub-field the events template gives them for exact and wildcard matching."""

TEXT_FIELDS = ("event.original", "message.keyword")
MATCH_ALL: dict[str, Any] = {"match_all": {}}


def exact(field: str) -> str:
    return EXACT_FIELD.get(field, field)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return ecs.format_ts(value)
    return value


def escape_wildcard(text: str) -> str:
    """A literal for a wildcard pattern: ``*``, ``?`` and ``\\`` lose their meaning."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def to_dsl(node: Query | None) -> dict[str, Any]:
    """The query DSL for a tree (``match_all`` for none)."""
    if node is None:
        return MATCH_ALL
    match node:
        case Match(field, value, case_insensitive):
            term: dict[str, Any] = {"value": _value(value)}
            if case_insensitive and isinstance(value, str):
                term["case_insensitive"] = True
            return {"term": {exact(field): term}}
        case Wildcard(field, pattern, case_insensitive):
            spec: dict[str, Any] = {"value": pattern}
            if case_insensitive:
                spec["case_insensitive"] = True
            return {"wildcard": {exact(field): spec}}
        case Range(field, gte, gt, lte, lt):
            bounds = {k: _value(v) for k, v in (("gte", gte), ("gt", gt), ("lte", lte), ("lt", lt)) if v is not None}
            return {"range": {exact(field): bounds}}
        case Cidr(field, network):
            return {"term": {field: network}}
        case Exists(field):
            return {"exists": {"field": field}}
        case Text(value):
            pattern = f"*{escape_wildcard(value)}*"
            should = [{"wildcard": {f: {"value": pattern, "case_insensitive": True}}} for f in TEXT_FIELDS]
            return {"bool": {"should": should, "minimum_should_match": 1}}
        case And(items):
            return {"bool": {"filter": [to_dsl(i) for i in items]}} if items else MATCH_ALL
        case Or(items):
            if not items:
                return {"match_none": {}}
            return {"bool": {"should": [to_dsl(i) for i in items], "minimum_should_match": 1}}
        case Not(item):
            return {"bool": {"must_not": [to_dsl(item)]}}
    raise TypeError(f"not a query node: {node!r}")


def with_time(query: dict[str, Any], field: str, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """A query restricted to a half-open time range on a date field."""
    bounds: dict[str, Any] = {}
    if since is not None:
        bounds["gte"] = ecs.format_ts(since)
    if until is not None:
        bounds["lt"] = ecs.format_ts(until)
    if not bounds:
        return query
    time_filter = {"range": {field: {**bounds, "format": "strict_date_optional_time_nanos"}}}
    if query is MATCH_ALL:
        return {"bool": {"filter": [time_filter]}}
    return {"bool": {"filter": [query, time_filter]}}
