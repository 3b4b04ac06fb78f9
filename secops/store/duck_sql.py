"""``secops.query`` trees → DuckDB SQL over embedded segments.

Promoted fields (see ``columns.py``) compare on their typed column; any other
field is read from the event JSON with a JSON pointer, and a JSON array
matches when any element does. Values are inlined as escaped SQL literals
(single quotes doubled), never concatenated raw.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime
from typing import Any

from secops.query import And, AnyOf, Cidr, Exists, Match, Not, Or, Query, Range, Text, Wildcard
from secops.store.columns import COLUMN_OF, PROMOTED

Predicate = Callable[[str], str]
"""Given a SQL expression for one VARCHAR value, a boolean SQL expression."""

_LIST_COLUMNS = {column for column, kind in PROMOTED.values() if str(kind).startswith("list")}
_INT_COLUMNS = {column for column, kind in PROMOTED.values() if str(kind).startswith("int")}

MACROS = """
CREATE OR REPLACE MACRO secops_ipv4(s) AS CASE
    WHEN regexp_full_match(s, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}') THEN
        (split_part(s, '.', 1)::BIGINT << 24) + (split_part(s, '.', 2)::BIGINT << 16)
        + (split_part(s, '.', 3)::BIGINT << 8) + split_part(s, '.', 4)::BIGINT
    END;
"""
"""IPv4 text → integer, so CIDR tests are integer ranges the engine can vectorise."""


def literal(value: Any) -> str:
    """A SQL literal for a query value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::TIMESTAMPTZ"
    return "'" + str(value).replace("'", "''") + "'"


def json_pointer(field: str) -> str:
    """RFC 6901 pointer for a dotted ECS field in the nested event JSON."""
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in field.split("."))


def text_of(value: Any) -> str:
    """How a query value appears as text in the event JSON (443.0 → '443', True → 'true')."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _on_values(field: str, predicate: Predicate) -> str:
    """Apply a predicate to a field's value, or to each element when it is a list."""
    column = COLUMN_OF.get(field)
    if column in _LIST_COLUMNS:
        return f"coalesce(list_bool_or(list_transform({column}, lambda x: {predicate('x')})), FALSE)"
    if column is not None:
        return f"coalesce({predicate(f'CAST({column} AS VARCHAR)')}, FALSE)"
    ptr = literal(json_pointer(field))
    scalar = predicate(f"json_extract_string(doc, {ptr})")
    each = predicate("x")
    return (
        f"coalesce(CASE json_type(doc, {ptr}) WHEN 'ARRAY' THEN list_bool_or(list_transform("
        f"TRY_CAST(json_extract(doc, {ptr}) AS VARCHAR[]), lambda x: {each})) ELSE {scalar} END, FALSE)"
    )


def _like(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return literal(escaped.replace("*", "%").replace("?", "_"))


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _range(node: Range) -> str:
    bounds = [
        (op, v) for op, v in ((">=", node.gte), (">", node.gt), ("<=", node.lte), ("<", node.lt)) if v is not None
    ]
    if not bounds:
        return "TRUE"
    column = COLUMN_OF.get(node.field)
    if column in ("ts", "ingested") or any(isinstance(v, datetime) for _, v in bounds):
        target = column or f"TRY_CAST(json_extract_string(doc, {literal(json_pointer(node.field))}) AS TIMESTAMPTZ)"
        return " AND ".join(f"{target} {op} {literal(v)}::TIMESTAMPTZ" for op, v in bounds)
    numbers = [_numeric(v) for _, v in bounds]
    if all(n is not None for n in numbers):
        return _on_values(
            node.field,
            lambda x: " AND ".join(
                f"TRY_CAST({x} AS DOUBLE) {op} {n!r}" for (op, _), n in zip(bounds, numbers, strict=True)
            ),
        )
    return _on_values(node.field, lambda x: " AND ".join(f"{x} {op} {literal(str(v))}" for op, v in bounds))


def _cidr(node: Cidr) -> str:
    network = ipaddress.ip_network(node.network, strict=False)
    if network.version == 4:
        low, high = int(network.network_address), int(network.broadcast_address)
        return _on_values(node.field, lambda x: f"secops_ipv4({x}) BETWEEN {low} AND {high}")
    return _on_values(node.field, lambda x: f"secops_in_cidr({x}, {literal(str(network))})")


def _any_of(field: str, values: tuple[Any, ...], case_insensitive: bool) -> str:
    if not values:
        return "FALSE"
    column = COLUMN_OF.get(field)
    numbers = [_numeric(v) for v in values]
    if column in _INT_COLUMNS and all(n is not None for n in numbers):
        return f"coalesce({column} IN ({', '.join(literal(n) for n in numbers)}), FALSE)"
    texts = [text_of(v) for v in values]
    if case_insensitive:
        wanted = ", ".join(literal(t.lower()) for t in dict.fromkeys(texts))
        return _on_values(field, lambda x: f"lower({x}) IN ({wanted})")
    wanted = ", ".join(literal(t) for t in dict.fromkeys(texts))
    return _on_values(field, lambda x: f"{x} IN ({wanted})")


def to_sql(node: Query) -> str:
    """A boolean SQL expression for a query tree."""
    match node:
        case Match(field, value, case_insensitive):
            column = COLUMN_OF.get(field)
            if column in ("ts", "ingested"):
                return f"{column} = {literal(value)}::TIMESTAMPTZ"
            if column in _INT_COLUMNS and _numeric(value) is not None:
                return f"coalesce({column} = {literal(_numeric(value))}, FALSE)"
            wanted = literal(text_of(value))
            if case_insensitive:
                return _on_values(field, lambda x: f"lower({x}) = lower({wanted})")
            return _on_values(field, lambda x: f"{x} = {wanted}")
        case AnyOf(field, values, case_insensitive):
            return _any_of(field, values, case_insensitive)
        case Wildcard(field, pattern, case_insensitive):
            op = "ILIKE" if case_insensitive else "LIKE"
            pattern_sql = _like(pattern)
            return _on_values(field, lambda x: f"{x} {op} {pattern_sql} ESCAPE '\\'")
        case Range():
            return _range(node)
        case Cidr():
            return _cidr(node)
        case Exists(field):
            column = COLUMN_OF.get(field)
            if column in _LIST_COLUMNS:
                return f"coalesce(len({column}) > 0, FALSE)"
            if column is not None:
                return f"{column} IS NOT NULL"
            return f"coalesce(json_type(doc, {literal(json_pointer(field))}) NOT IN ('NULL'), FALSE)"
        case Text(value):
            haystack = (
                "lower(coalesce(json_extract_string(doc, '/event/original'), '') || chr(10) "
                "|| coalesce(json_extract_string(doc, '/message'), ''))"
            )
            return f"contains({haystack}, lower({literal(value)}))"
        case And(items):
            return "(" + " AND ".join(to_sql(i) for i in items) + ")" if items else "TRUE"
        case Or(items):
            return "(" + " OR ".join(to_sql(i) for i in items) + ")" if items else "FALSE"
        case Not(item):
            return f"(NOT {to_sql(item)})"
    raise TypeError(f"not a query node: {node!r}")


def in_cidr(ip: str | None, network: str) -> bool:
    """DuckDB UDF for IPv6 (and odd IPv4 spellings): is ``ip`` inside ``network``."""
    if not ip:
        return False
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def values_sql(field: str) -> str:
    """A VARCHAR[] expression of a field's values (one for scalars, each for lists), for aggregations."""
    column = COLUMN_OF.get(field)
    if column in _LIST_COLUMNS:
        return str(column)
    if column is not None:
        return f"[CAST({column} AS VARCHAR)]"
    ptr = literal(json_pointer(field))
    return (
        f"CASE json_type(doc, {ptr}) WHEN 'ARRAY' THEN TRY_CAST(json_extract(doc, {ptr}) AS VARCHAR[]) "
        f"ELSE [json_extract_string(doc, {ptr})] END"
    )
