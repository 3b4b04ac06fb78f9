"""A small query tree that every backend translates: hunts, dashboards, timelines.

Query languages (the Lucene-style hunt syntax, dashboard panel queries) parse
into these nodes; the embedded store turns them into DuckDB SQL and the
Elasticsearch store into query DSL. Field names are ECS dotted names. A field
holding a list matches when any element does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class Match:
    """The field equals the value (``case_insensitive`` for keyword text)."""

    field: str
    value: Any
    case_insensitive: bool = False


@dataclass(frozen=True, slots=True)
class AnyOf:
    """The field equals one of the values: one set lookup where an ``Or`` of matches would be thousands of terms."""

    field: str
    values: tuple[Any, ...]
    case_insensitive: bool = False


@dataclass(frozen=True, slots=True)
class Wildcard:
    """The field matches a pattern with ``*`` (any run) and ``?`` (one character)."""

    field: str
    pattern: str
    case_insensitive: bool = False


@dataclass(frozen=True, slots=True)
class Range:
    """The field lies within the bounds given (numbers, timestamps or strings)."""

    field: str
    gte: Any = None
    gt: Any = None
    lte: Any = None
    lt: Any = None


@dataclass(frozen=True, slots=True)
class Cidr:
    """An IP field lies in a network (``10.0.0.0/8``, ``2001:db8::/32``)."""

    field: str
    network: str


@dataclass(frozen=True, slots=True)
class Exists:
    """The field is present and not null."""

    field: str


@dataclass(frozen=True, slots=True)
class Text:
    """Free text found anywhere in the raw record (case-insensitive substring)."""

    value: str


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Query


Query: TypeAlias = Match | AnyOf | Wildcard | Range | Cidr | Exists | Text | And | Or | Not


def all_of(*items: Query | None) -> Query | None:
    """Conjunction of the given parts, skipping absent ones."""
    present = tuple(i for i in items if i is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else And(present)
