"""The row layout of embedded segments: the whole event as JSON plus promoted columns.

Events vary by source, so a segment keeps each event whole (``doc``, JSON)
and, beside it, typed copies of the fields analysts filter on most. Filters on
promoted fields read one narrow column; any other field is still queryable
through DuckDB's JSON functions on ``doc``. Which fields are promoted is data
(``PROMOTED``); changing it needs no migration, because ``doc`` is the truth.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from secops.types import Event

TS_TYPE = pa.timestamp("us", tz="UTC")

PROMOTED: dict[str, tuple[str, pa.DataType]] = {
    # ECS field: (column, type)
    "event.id": ("id", pa.string()),
    "event.dataset": ("dataset", pa.string()),
    "event.category": ("category", pa.list_(pa.string())),
    "event.action": ("action", pa.string()),
    "event.outcome": ("outcome", pa.string()),
    "event.code": ("code", pa.string()),
    "host.name": ("host_name", pa.string()),
    "user.name": ("user_name", pa.string()),
    "source.ip": ("source_ip", pa.string()),
    "source.port": ("source_port", pa.int32()),
    "destination.ip": ("destination_ip", pa.string()),
    "destination.port": ("destination_port", pa.int32()),
    "process.name": ("process_name", pa.string()),
}
"""Fields copied into their own column; ``@timestamp`` and ``event.ingested`` are always columns too."""

COLUMN_OF: dict[str, str] = {"@timestamp": "ts", "event.ingested": "ingested"} | {
    field: column for field, (column, _) in PROMOTED.items()
}
"""ECS field → column, for query translation."""

SCHEMA = pa.schema(
    [("seq", pa.int64()), ("ts", TS_TYPE), ("ingested", TS_TYPE)]
    + [(column, kind) for column, kind in PROMOTED.values()]
    + [("doc", pa.string())]
)


DICTIONARY_COLUMNS = ["dataset", "category", "action", "outcome", "code"]
"""Columns of few distinct values: dictionary pages pay off there and nowhere else (ids and
documents are all different, and trying a dictionary on them doubled the write time)."""
STATISTICS_COLUMNS = ["seq", "ts", "ingested"]
"""Min/max statistics only where ranges prune row groups: time and ingest order."""


def _plan() -> list[tuple[str, list[tuple[int, tuple[str, ...]]]]]:
    """Promoted fields grouped by top-level key, so each event's sub-dicts are fetched once."""
    groups: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
    for index, field in enumerate(PROMOTED):
        top, *rest = field.split(".")
        groups[top].append((index, tuple(rest)))
    return list(groups.items())


_PLAN = _plan()
_KINDS = [kind for _, kind in PROMOTED.values()]


def _coerce(values: list[Any], kind: pa.DataType) -> pa.Array:
    """Build a column; values of the wrong shape (a port given as text, a scalar category) are fixed or nulled."""
    try:
        return pa.array(values, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([_one(v, kind) for v in values], type=kind)


def _one(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_integer(kind):
        try:
            number = int(value)
        except (TypeError, ValueError):
            return None
        return number if -(2**31) <= number < 2**31 else None
    if pa.types.is_list(kind):
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _timestamps(values: list[Any], fallback: datetime) -> pa.Array:
    """Parse RFC 3339 strings in bulk; a value that will not parse falls back to the ingest time."""
    try:
        return pa.array(values, type=pa.string()).cast(TS_TYPE)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_parse_one(v, fallback) for v in values], type=TS_TYPE)


def _parse_one(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return fallback
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return fallback


def _serialise(events: Sequence[Event], ingested: str) -> list[bytes]:
    """Stamp ``event.ingested`` into each event and serialise it."""
    dumps = orjson.dumps
    docs: list[bytes] = []
    append = docs.append
    for event in events:
        meta = event.get("event")
        if meta.__class__ is not dict:
            meta = event["event"] = {}
        meta["ingested"] = ingested
        try:
            append(dumps(event, default=str))
        except (orjson.JSONEncodeError, TypeError):
            # Lone surrogates or integers past 64 bits: the slower encoder escapes them.
            append(json.dumps(event, default=str).encode())
    return docs


_EMPTY: dict[str, Any] = {}


def _dicts(values: list[Any]) -> list[dict[str, Any]]:
    """Values with anything that is not a dict replaced by an empty one, so lookups need no checks."""
    return [v if v.__class__ is dict else _EMPTY for v in values]


def _column(nodes: list[dict[str, Any]], rest: tuple[str, ...]) -> list[Any]:
    """One promoted field of every event, from the events' top-level sub-dicts (one pass per field)."""
    *path, last = rest
    for part in path:
        nodes = _dicts([n.get(part) for n in nodes])
    return [n.get(last) for n in nodes]


def build_table(events: Sequence[Event], seq: int, ingested: str, ingested_at: datetime) -> pa.Table:
    """One Arrow table for a batch: stamps ``event.ingested`` into each event and serialises it.

    Columns are filled field by field with comprehensions rather than event by
    event: the same work in far fewer interpreter steps on this hot path.
    """
    count = len(events)
    docs = _serialise(events, ingested)
    columns: list[list[Any]] = [[]] * len(PROMOTED)
    for top, fields in _PLAN:
        nodes = _dicts([event.get(top) for event in events])
        for index, rest in fields:
            columns[index] = _column(nodes, rest)
    arrays = [
        pa.repeat(pa.scalar(seq, pa.int64()), count),
        _timestamps([event.get("@timestamp") for event in events], ingested_at),
        pa.repeat(pa.scalar(ingested_at, TS_TYPE), count),
        *(_coerce(values, kind) for values, kind in zip(columns, _KINDS, strict=True)),
        pa.array(docs, type=pa.binary()).view(pa.string()),  # orjson writes valid UTF-8: no need to re-check
    ]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)
