"""The row layout of embedded segments: the whole event as JSON plus promoted columns.

Events vary by source, so a segment keeps each event whole (``doc``, JSON)
and, beside it, typed copies of the fields analysts filter on most. Filters on
promoted fields read one narrow column; any other field is still queryable
through DuckDB's JSON functions on ``doc``. Which fields are promoted is data
(``PROMOTED``); changing it needs no migration, because ``doc`` is the truth.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

import orjson
import pyarrow as pa

from secops.errors import StoreError
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
    if pa.types.is_list(kind) and str in set(map(type, values)):
        return pa.array([_one(v, kind) for v in values], type=kind)  # Arrow would split the text into letters
    try:
        return pa.array(values, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, UnicodeEncodeError):
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
        return [_text(v) for v in value if v is not None] if isinstance(value, list) else [_text(value)]
    return _text(value)


def _text(value: Any) -> str:
    """A column string: non-strings as JSON, lone surrogates (undecodable log bytes) as ``\\udXXX``."""
    if not isinstance(value, str):
        value = _json_text(value)
    return value.encode("utf-8", "backslashreplace").decode()


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


MAX_CHUNK_BYTES = 2**31 - 1
"""A string column's int32 offsets address at most this many bytes."""


def _serialise(events: Sequence[Event], ingested: str) -> pa.StringArray | None:
    """Stamp ``event.ingested`` into each event and serialise it; ``None`` past ``MAX_CHUNK_BYTES``.

    The documents go straight into one growing buffer: keeping a thousand
    separate ``bytes`` alive made glibc hand memory back and fault it in again
    on every chunk, which cost more than the encoding itself.
    """
    dumps = orjson.dumps
    buffer = bytearray()
    offsets = [0]
    append = offsets.append
    for event in events:
        meta = event.get("event")
        if meta.__class__ is not dict:
            meta = event["event"] = {}
        meta["ingested"] = ingested
        try:
            buffer += dumps(event, default=str)
        except (orjson.JSONEncodeError, TypeError):
            buffer += _fallback_json(event)
        append(len(buffer))
    if len(buffer) > MAX_CHUNK_BYTES:
        return None
    # orjson and json.dumps both write valid UTF-8: no need to re-check it.
    return pa.StringArray.from_buffers(len(events), pa.array(offsets, pa.int32()).buffers()[1], pa.py_buffer(buffer))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _fallback_json(event: Event) -> bytes:
    """JSON for what orjson refuses: integers past 64 bits, and lone surrogates (undecodable
    log bytes), written as the text ``\\udXXX`` because no JSON reader takes them back."""
    return _SURROGATE.sub(lambda found: f"\\\\u{ord(found.group()):04x}", _json_text(event)).encode()


def _json_text(value: Any) -> str:
    """Compact JSON like orjson's, from the encoder that takes any integer and any string."""
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


def load_doc(doc: str) -> Event:
    """An event back from its ``doc``; documents written before surrogates were kept as text still read."""
    try:
        return orjson.loads(doc)
    except orjson.JSONDecodeError:
        return json.loads(doc)  # takes the lone ``\\udXXX`` escapes orjson refuses


_EMPTY: dict[str, Any] = {}
_get = dict.get


def _values(nodes: Sequence[Any], key: str, default: Any = None) -> list[Any]:
    """Every node's ``key``, one C-level pass; a node that is not a dict has no fields."""
    try:
        return list(map(_get, nodes, repeat(key), repeat(default)))
    except TypeError:  # e.g. ``"host": "ws-1"`` where a dict belongs
        return [n.get(key, default) if isinstance(n, dict) else default for n in nodes]


CHUNK_ROWS = 1024
"""Events converted together: a chunk's objects stay in the CPU cache between serialising
them and reading their promoted fields (whole 20,000-event batches took a third longer)."""


def build_table(events: Sequence[Event], seq: int, ingested: str, ingested_at: datetime) -> pa.Table:
    """One Arrow table for a batch: stamps ``event.ingested`` into each event and serialises it."""
    batches: list[pa.RecordBatch] = []
    for start in range(0, len(events), CHUNK_ROWS):
        batches.extend(_record_batches(events[start : start + CHUNK_ROWS], seq, ingested, ingested_at))
    return pa.Table.from_batches(batches, schema=SCHEMA)


def _record_batches(events: Sequence[Event], seq: int, ingested: str, ingested_at: datetime) -> list[pa.RecordBatch]:
    """Columns are filled field by field rather than event by event: the same work in far
    fewer interpreter steps on this hot path. Chunks of huge events are halved until they fit."""
    docs = _serialise(events, ingested)
    if docs is None:
        if len(events) == 1:
            raise StoreError("an event is larger than 2 GiB as JSON")
        half = len(events) // 2
        return [
            *_record_batches(events[:half], seq, ingested, ingested_at),
            *_record_batches(events[half:], seq, ingested, ingested_at),
        ]
    count = len(events)
    columns: list[list[Any]] = [[]] * len(PROMOTED)
    for top, fields in _PLAN:
        nodes = _values(events, top)
        for index, (*path, last) in fields:
            branch = nodes
            for part in path:
                branch = _values(branch, part)
            columns[index] = _values(branch, last)
    arrays = [
        pa.repeat(pa.scalar(seq, pa.int64()), count),
        _timestamps(_values(events, "@timestamp"), ingested_at),
        pa.repeat(pa.scalar(ingested_at, TS_TYPE), count),
        *(_coerce(values, kind) for values, kind in zip(columns, _KINDS, strict=True)),
        docs,
    ]
    return [pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)]
