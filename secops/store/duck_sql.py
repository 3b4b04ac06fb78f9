"""``secops.query`` trees → DuckDB SQL over embedded segments.

Promoted fields (see ``columns.py``) compare on their typed column; any other
field is read from the event JSON with a JSON pointer, and a JSON array
matches when any element does. Where the pointer finds nothing, the field may
sit inside an array of objects (``dns.answers.type`` in
``{"dns": {"answers": [{"type": "A"}, ...]}}``): the path is then walked
through every element, as Elasticsearch flattens object arrays. Values are
inlined as escaped SQL literals (single quotes doubled), never concatenated
raw. An exact match on a field ECS types ``ip`` compares addresses, as
Elasticsearch's ``ip`` fields do: ``2001:DB8::3`` is ``2001:db8::3``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime
from typing import Any

from secops import ecs
from secops.query import And, AnyOf, Cidr, Exists, Match, Not, Or, Query, Range, Text, Wildcard
from secops.store.columns import COLUMN_OF, PROMOTED

Predicate = Callable[[str], str]
"""Given a SQL expression for one VARCHAR value, a boolean SQL expression."""

_LIST_COLUMNS = {column for column, kind in PROMOTED.values() if str(kind).startswith("list")}
_INT_COLUMNS = {column for column, kind in PROMOTED.values() if str(kind).startswith("int")}
_IP_FIELDS = frozenset(name for name, kind in ecs.ecs_fields().items() if kind == "ip")

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
MACROS = f"""
CREATE OR REPLACE MACRO secops_ipv4(s) AS CASE
    WHEN regexp_full_match(s, '(?:{_OCTET}\\.){{3}}{_OCTET}') THEN
        (split_part(s, '.', 1)::BIGINT << 24) + (split_part(s, '.', 2)::BIGINT << 16)
        + (split_part(s, '.', 3)::BIGINT << 8) + split_part(s, '.', 4)::BIGINT
    END;
"""
"""IPv4 text → integer, so CIDR tests are integer ranges the engine can vectorise. As on Elasticsearch's
``ip`` fields, an octet above 255 or written with a leading zero (``010.0.0.9``) is no address."""


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
    each = f"lambda x: {predicate('x')}"
    direct = _json_value(
        field,
        scalar=lambda v: predicate(f"json_extract_string({v}, '$')"),
        array=lambda v: f"list_bool_or(list_transform(TRY_CAST({v} AS VARCHAR[]), {each}))",
    )
    nested = _nested_values(field)
    if nested is None:
        return f"coalesce({direct}, FALSE)"
    return f"coalesce({direct}, list_bool_or(list_transform({nested}, {each})), FALSE)"


def _json_value(field: str, *, scalar: Predicate, array: Predicate) -> str:
    """SQL over a field's JSON value ``v`` (NULL where the pointer finds nothing), with one parse of the document.

    Testing the type and then extracting parsed each document twice; binding the value
    through a one-element ``list_transform`` reads a JSON field in about two thirds of the time.
    Nothing in the lambda refers to ``doc``: a captured column is copied for every call.
    Callers put what to do where the value is absent in a ``coalesce`` after it, which
    evaluates that only for the rows still NULL.
    """
    ptr = literal(json_pointer(field))
    return (
        f"list_transform([json_extract(doc, {ptr})], lambda v: CASE WHEN v IS NULL THEN NULL "
        f"WHEN json_type(v) = 'ARRAY' THEN {array('v')} ELSE {scalar('v')} END)[1]"
    )


def _nested_values(field: str, *, gate: bool = True) -> str | None:
    """A VARCHAR[] of a field's values found through arrays of objects on its path, or None for a top-level key.

    Each step maps the values so far to their child and flattens the arrays among them,
    so an array at any level (or at several) counts. With ``gate``, the walk runs only
    where the types of the path's prefixes (one parse) include an array; callers that
    tested that already pass ``gate=False``.
    """
    parts = field.split(".")
    if len(parts) < 2:
        return None
    values = _flatten(f"[json_extract(doc, {literal(json_pointer(parts[0]))})]")
    for part in parts[1:]:
        values = _flatten(f"list_transform({values}, lambda y: json_extract(y, {literal(json_pointer(part))}))")
    walk = f"list_transform({values}, lambda e: json_extract_string(e, '$'))"
    if not gate:
        return walk
    prefixes = ", ".join(map(literal, _prefixes(field)))
    return f"CASE WHEN list_contains(json_type(doc, [{prefixes}]), 'ARRAY') THEN {walk} END"


def _prefixes(field: str) -> list[str]:
    """JSON pointers of the objects on a field's path (``a.b.c``: ``/a``, ``/a/b``)."""
    parts = field.split(".")
    return [json_pointer(".".join(parts[:n])) for n in range(1, len(parts))]


def _flatten(values: str) -> str:
    """A JSON[] with absent values dropped and arrays replaced by their elements."""
    return (
        f"flatten(list_transform({values}, lambda e: CASE WHEN json_type(e) = 'ARRAY' THEN json_extract(e, '$[*]') "
        "WHEN e IS NULL THEN []::JSON[] ELSE [e] END))"
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


def _address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None


def _same_address(x: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """``x`` spells ``address``, as Elasticsearch reads an ``ip`` field.

    An IPv4 address has one spelling (Elasticsearch refuses octets with leading zeros,
    as the CIDR macro does). An IPv6 address has many (case, leading zeros, where the
    zeros are compressed, a dotted tail); the address comparison runs only on values
    that could be one, so a filter on a promoted column stays a string comparison.
    """
    canonical = literal(str(address))
    if address.version == 4:
        return f"{x} = {canonical}"
    clues = [f"contains({x}, ':')", f"{x} <> {canonical}"]
    last = int.from_bytes(address.packed[-2:], "big")
    if last:  # every spelling ends with this group (any case, leading zeros) or with a dotted quad
        clues.append(f"(suffix(lower({x}), {literal(format(last, 'x'))}) OR contains({x}, '.'))")
    # CASE, not AND: only CASE spares the rows the clues rule out from the (Python) address test.
    other = f"CASE WHEN {' AND '.join(clues)} THEN secops_in_cidr({x}, {canonical}) END"
    return f"({x} = {canonical} OR coalesce({other}, FALSE))"


def _exists(field: str) -> str:
    """A non-promoted field holds a value: not null, an array only with a non-null element (as Elasticsearch).

    The types of the value, of its first element and of the path's prefixes come from one
    parse. The elements are read only for an array whose first element is null, the path
    walked only where the value is absent and a prefix is an array.
    """
    ptr = json_pointer(field)
    paths = ", ".join(map(literal, [ptr, ptr + "/0", *_prefixes(field)]))
    known = (
        f"list_transform([json_type(doc, [{paths}])], lambda t: CASE "
        "WHEN t[1] IS NULL THEN CASE WHEN list_contains(t[3:], 'ARRAY') THEN NULL ELSE FALSE END "
        "WHEN t[1] = 'NULL' THEN FALSE WHEN t[1] <> 'ARRAY' THEN TRUE "
        "WHEN t[2] IS NULL THEN FALSE WHEN t[2] <> 'NULL' THEN TRUE END)[1]"
    )
    elements = f"json_extract(json_extract(doc, {literal(ptr)}), '$[*]')"
    parts = [known, f"list_bool_or(list_transform({elements}, lambda x: json_type(x) <> 'NULL'))"]
    nested = _nested_values(field, gate=False)
    if nested is not None:
        parts.append(f"list_bool_or(list_transform({nested}, lambda x: x IS NOT NULL))")
    return f"coalesce({', '.join(parts)}, FALSE)"


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
            if field in _IP_FIELDS and (address := _address(value)) is not None:
                return _on_values(field, lambda x: _same_address(x, address))
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
            return _exists(field)
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
    """A VARCHAR[] expression of a field's values (one for scalars, each for lists), for aggregations.

    An event without the field gives ``[NULL]``, so a histogram split by it still counts the event.
    """
    column = COLUMN_OF.get(field)
    if column in _LIST_COLUMNS:
        return str(column)
    if column is not None:
        return f"[CAST({column} AS VARCHAR)]"
    direct = _json_value(
        field, scalar=lambda v: f"[json_extract_string({v}, '$')]", array=lambda v: f"TRY_CAST({v} AS VARCHAR[])"
    )
    nested = _nested_values(field)
    if nested is None:
        return f"coalesce({direct}, [NULL::VARCHAR])"
    found = f"list_transform([{nested}], lambda n: CASE WHEN len(n) > 0 THEN n END)[1]"
    return f"coalesce({direct}, {found}, [NULL::VARCHAR])"
