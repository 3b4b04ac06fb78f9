"""A batch of events seen column by column: what the batch evaluator reads fields through.

A ``Frame`` holds some events of a batch (all of them, or the rows of one
logsource partition) and extracts a field for all of them at once, with the
exact semantics of ``compile.getter``: nested objects, literal dotted keys
and lists of objects. The fast path walks one level at a time over the whole
frame (``[d.get(part) for d in dicts]``) and shares the levels between fields
(``winlog.event_data`` is read once for all its children); a frame where a
level holds a dotted key or a list of objects reads that field event by event
with the getter instead, so the result is the same either way.

A ``Column`` dictionary-encodes the values: the distinct values, and per row
the index of its value (computed only when some predicate needs rows). Sets
of rows are Python ints used as bitsets (bit *i* = row *i* of the frame):
AND, OR and NOT of thousands of rows are single C operations, and "no row"
is 0, which makes the common case — a predicate nothing matches — free.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from secops.detect.compile import getter
from secops.types import Event

EMPTY: dict[str, Any] = {}
_NUMERIC = frozenset([bool, int, float])
_SCALARS = frozenset([dict, str, int, float, bool, type(None)])
"""What a level may hold for the fast path (objects, and scalars that end a path like absence does)."""


def bits_of(mask: np.ndarray) -> int:
    """A boolean row mask as a bitset."""
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def rows_of(bits: int, count: int) -> np.ndarray:
    """The row numbers set in a bitset, ascending."""
    raw = np.frombuffer(bits.to_bytes((count + 7) // 8, "little"), np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little", count=count))


def bits_from_rows(rows: Iterable[int]) -> int:
    """A bitset of row numbers (in any order, repeats allowed)."""
    listed = rows if isinstance(rows, list) else list(rows)
    if len(listed) > 64:  # each ``|=`` copies the whole int: many rows go through a mask instead
        mask = np.zeros(max(listed) + 1, bool)
        mask[listed] = True
        return bits_of(mask)
    out = 0
    for row in listed:
        out |= 1 << row
    return out


class Column:
    """One field over a frame: the distinct values, and which row holds which."""

    __slots__ = ("_codes", "distinct", "full", "keys", "memo", "values")

    def __init__(self, frame: Frame, raw: list[Any]) -> None:
        self.full = frame.full
        """The frame's all-rows bitset. A column keeps no reference to its frame: that cycle left each
        batch's events to the cyclic collector, which under ``tune_gc`` let several pile up."""
        self.keys, self.distinct, self.values = _encode(raw)
        """Per row a hashable key; the distinct keys in first-seen order; one value per distinct key."""
        self._codes: np.ndarray | None = None
        self.memo: dict[Any, Any] = {}
        """Per-column results of whoever evaluates predicates on it (see ``batch``)."""

    def codes(self) -> np.ndarray:
        """Per row, the position of its value in ``values``."""
        if self._codes is None:
            index = {k: i for i, k in enumerate(self.distinct)}
            self._codes = np.fromiter(map(index.__getitem__, self.keys), np.int32, len(self.keys))
        return self._codes

    def rows_where(self, good: list[int]) -> int:
        """The bitset of the rows whose value is one of the given distinct values."""
        if not good:
            return 0
        if len(good) == len(self.values):
            return self.full
        lut = np.zeros(len(self.values), bool)
        lut[good] = True
        return bits_of(lut[self.codes()])


def _encode(raw: list[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    """Keys to group equal values by, the distinct keys, and one value per distinct key (first seen).

    Python's ``1 == 1.0 == True`` would merge values whose text differs, and
    lists and objects cannot be keys: such columns get typed keys instead.
    """
    try:
        first = dict.fromkeys(raw)
    except TypeError:
        first = None
    if first is not None:
        types = {k.__class__ for k in first}
        if not types & _NUMERIC:
            distinct = list(first)
            return raw, distinct, distinct
        numeric = set(map(type, raw)) & _NUMERIC
        if len(numeric) == 1 and float not in numeric:
            distinct = list(first)
            return raw, distinct, distinct
    keys = [v if v.__class__ is str or v is None else (v.__class__, repr(v)) for v in raw]
    values: dict[Any, Any] = {}
    for key, value in zip(keys, raw, strict=True):
        values.setdefault(key, value)
    return keys, list(values), list(values.values())


class Frame:
    """Events of one batch (or of one partition of it), read column by column."""

    __slots__ = ("_columns", "_keys", "_levels", "count", "events", "full", "memo", "parent", "rows")

    def __init__(self, events: list[Event], rows: np.ndarray | None = None, parent: Frame | None = None) -> None:
        self.events = events
        self.rows = rows
        """Row numbers of these events in the whole batch (None: the frame is the batch)."""
        self.parent = parent
        """The whole batch's frame, for a partition: levels it has already read are shared (see ``_level``)."""
        self.count = len(events)
        self.full = (1 << self.count) - 1
        self._levels: dict[str, list[dict[str, Any]] | None] = {"": events}
        self._keys: dict[str, set[str]] = {}
        self._columns: dict[str, Column] = {}
        self.memo: dict[Any, Any] = {}
        """Per-frame results of the batch evaluator (predicate bitsets, keyword hits)."""

    def column(self, name: str) -> Column:
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = Column(self, self.values(name))
        return found

    def values(self, name: str) -> list[Any]:
        """The field's value in every event, as ``compile.getter`` reads it."""
        head, _, last = name.rpartition(".")
        parent = self._level(head)
        if parent is None:
            get = getter(name)
            return [get(e) for e in self.events]
        if last not in self._level_keys(head):
            return [None] * self.count
        return [d.get(last) for d in parent]

    def _level_keys(self, prefix: str) -> set[str]:
        """The keys the objects at a prefix have, or (from the parent frame) a superset of them.

        A superset serves both uses: a key it lacks is absent from every row, and
        a dotted key anywhere in it only sends the read to the slower, exact path.
        """
        keys = self._keys.get(prefix)
        if keys is None:
            keys = self.parent._keys.get(prefix) if self.parent is not None else None
            if keys is None:
                level = self._levels[prefix]
                keys = set().union(*level) if level else set()
            self._keys[prefix] = keys
        return keys

    def _level(self, prefix: str) -> list[dict[str, Any]] | None:
        """The objects at a dotted prefix, one per event ({} where absent); None if the fast path is inexact."""
        if prefix in self._levels:
            return self._levels[prefix]
        whole = self.parent._levels.get(prefix) if self.parent is not None else None
        found: list[dict[str, Any]] | None
        if whole is not None and self.rows is not None:  # the batch's objects, picked by row: one pass
            found = self._levels[prefix] = [whole[i] for i in self.rows.tolist()]
            return found
        head, _, part = prefix.rpartition(".")
        up = self._level(head)
        found = None
        if up is not None and not any("." in k for k in self._level_keys(head)):
            if part not in self._level_keys(head):
                found = [EMPTY] * self.count
            else:
                vals = [d.get(part) for d in up]
                if set(map(type, vals)) <= _SCALARS:
                    found = [v if v.__class__ is dict else EMPTY for v in vals]
        self._levels[prefix] = found
        return found
