"""``secops.query`` trees as Elasticsearch query DSL.

The translation follows the embedded store's semantics: a list field matches
when any element does (Elasticsearch's own rule), ``Text`` is a
case-insensitive substring of the raw record or the message, ``Cidr`` is a
term on an ``ip`` field. Fields mapped as ``text`` are compared through their
exact ``.keyword`` sub-field, so ``Match`` means equality on every field.

Elasticsearch refuses some comparisons the embedded store makes on text
(a case-insensitive term on a number, a wildcard on an ``ip``), so the
translation takes the mapped type of each field (``field_types``): values a
typed field can never hold match nothing, an IPv4 prefix pattern on an ``ip``
field becomes the equivalent CIDR, and what has no equivalent raises
``UnsupportedQuery`` rather than answering wrongly.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

from secops import ecs
from secops.errors import UsageError
from secops.query import And, AnyOf, Cidr, Exists, Match, Not, Or, Query, Range, Text, Wildcard

EXACT_FIELD = {"message": "message.keyword", "error.message": "error.message.keyword"}
"""Text fields and the keyword sub-field the events template gives them for exact and wildcard matching."""

TEXT_FIELDS = ("event.original", "message.keyword")
MATCH_ALL: dict[str, Any] = {"match_all": {}}
MATCH_NONE: dict[str, Any] = {"match_none": {}}
NUMERIC = frozenset(
    {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
)
STRING = frozenset({"keyword", "text", "constant_keyword", "wildcard", "match_only_text", "flattened"})
TEXT_RANGE_VALUES = 10_000
"""Integers a numeric range on a text field may span on Elasticsearch (``_numbers_as_text``)."""
_IPV4_PREFIX = re.compile(r"^((?:\d{1,3}\.){1,3})\*$")


class UnsupportedQuery(UsageError):
    """A comparison Elasticsearch cannot make on the field's mapped type."""


def field_types(client: Elasticsearch, index: str) -> dict[str, str]:
    """Each mapped field's type across the indices (keyword wins a conflict, as the safest reading)."""
    caps = client.field_caps(index=index, fields="*", ignore_unavailable=True, allow_no_indices=True)
    types: dict[str, str] = {}
    for name, by_type in caps.get("fields", {}).items():
        kinds = [k for k in by_type if k not in ("object", "nested") and not k.startswith("_")]
        if kinds:
            types[name] = "keyword" if "keyword" in kinds else kinds[0]
    return types


def exact(field: str) -> str:
    return EXACT_FIELD.get(field, field)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return ecs.format_ts(value)
    return value


def escape_wildcard(text: str) -> str:
    """A literal for a wildcard pattern: ``*``, ``?`` and ``\\`` lose their meaning."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def to_dsl(node: Query | None, types: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The query DSL for a tree (``match_all`` for none); ``types`` from ``field_types``."""
    if node is None:
        return MATCH_ALL
    kinds = types or {}
    match node:
        case Match(field, value, case_insensitive):
            return match_value(field, value, case_insensitive, kinds.get(exact(field)))
        case AnyOf(field, values, case_insensitive):
            return any_of(field, values, case_insensitive, kinds.get(exact(field)))
        case Wildcard(field, pattern, case_insensitive):
            return _wildcard(field, pattern, case_insensitive, kinds.get(exact(field)))
        case Range(field, gte, gt, lte, lt):
            bounds = {k: _value(v) for k, v in (("gte", gte), ("gt", gt), ("lte", lte), ("lt", lt)) if v is not None}
            if kinds.get(exact(field)) in STRING and bounds and all(_number(v) is not None for v in bounds.values()):
                return _numbers_as_text(field, bounds)
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
            return {"bool": {"filter": [to_dsl(i, types) for i in items]}} if items else MATCH_ALL
        case Or(items):
            if not items:
                return MATCH_NONE
            return {"bool": {"should": [to_dsl(i, types) for i in items], "minimum_should_match": 1}}
        case Not(item):
            return {"bool": {"must_not": [to_dsl(item, types)]}}
    raise TypeError(f"not a query node: {node!r}")


def any_of(field: str, values: tuple[Any, ...], case_insensitive: bool, kind: str | None) -> dict[str, Any]:
    """Set membership: one ``terms`` query, or per-value terms where case must be ignored (``terms`` cannot)."""
    if case_insensitive and kind not in NUMERIC and kind not in ("boolean", "ip", "date"):
        should = [match_value(field, v, True, kind) for v in values]
        return {"bool": {"should": should, "minimum_should_match": 1}} if should else MATCH_NONE
    if kind in NUMERIC or kind == "boolean" or kind == "ip":
        typed = [t for t in (_typed(_value(v), kind) for v in values) if t is not None]
        return {"terms": {field: typed}} if typed else MATCH_NONE
    return {"terms": {exact(field): [_value(v) for v in values]}} if values else MATCH_NONE


def match_value(field: str, value: Any, case_insensitive: bool, kind: str | None) -> dict[str, Any]:
    """Equality on a field of the given mapped type (None: unmapped, or a string field)."""
    value = _value(value)
    if kind in NUMERIC or kind == "boolean" or kind == "ip":
        value = _typed(value, kind)
        return MATCH_NONE if value is None else {"term": {field: value}}
    term: dict[str, Any] = {"value": value}
    if case_insensitive and isinstance(value, str) and kind != "date":
        term["case_insensitive"] = True
    return {"term": {exact(field): term}}


def _typed(value: Any, kind: str) -> Any:
    """The value as the typed field holds it, or None when it can never be equal."""
    text = str(value).strip()
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower()) if not isinstance(value, bool) else value
    if kind == "ip":
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            return None
    if isinstance(value, bool):
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def _number(value: Any) -> float | None:
    if isinstance(value, bool | datetime):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _numbers_as_text(field: str, bounds: dict[str, Any]) -> dict[str, Any]:
    """A numeric range on a string field (``event.code:[4624 TO 4634]``) as the integers it holds, spelled out.

    The embedded store compares such values as numbers; Elasticsearch would
    compare the text, so "463" would fall between "4624" and "4634". Spelled
    out, the range matches each integer as written plainly (not "04625").
    """
    low = _number(bounds.get("gte", bounds.get("gt")))
    high = _number(bounds.get("lte", bounds.get("lt")))
    if low is None or high is None:
        raise UnsupportedQuery(f"a range of numbers on {field}, which holds text, needs both bounds on Elasticsearch")
    first = math.ceil(low) + (1 if "gt" in bounds and low.is_integer() else 0)
    last = math.floor(high) - (1 if "lt" in bounds and high.is_integer() else 0)
    if last - first >= TEXT_RANGE_VALUES:
        raise UnsupportedQuery(
            f"a range of numbers on {field}, which holds text, can span at most {TEXT_RANGE_VALUES:,} values"
            " on Elasticsearch"
        )
    return {"terms": {exact(field): [str(n) for n in range(first, last + 1)]}} if first <= last else MATCH_NONE


def _wildcard(field: str, pattern: str, case_insensitive: bool, kind: str | None) -> dict[str, Any]:
    if kind is None or kind in STRING:
        # A backslash in our patterns is a character; in Elasticsearch's it escapes the next one.
        spec: dict[str, Any] = {"value": pattern.replace("\\", "\\\\")}
        if case_insensitive:
            spec["case_insensitive"] = True
        return {"wildcard": {exact(field): spec}}
    if "*" not in pattern and "?" not in pattern:
        return match_value(field, pattern, case_insensitive, kind)
    if kind == "ip" and (prefix := _IPV4_PREFIX.match(pattern)):
        octets = prefix.group(1).rstrip(".").split(".")
        if all(int(o) <= 255 for o in octets):
            network = ".".join(octets + ["0"] * (4 - len(octets)))
            return {"term": {field: f"{network}/{8 * len(octets)}"}}
    raise UnsupportedQuery(f"a wildcard pattern on {field} (mapped as {kind}) has no Elasticsearch equivalent")


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
