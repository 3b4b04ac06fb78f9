"""An independent Sigma implementation for the differential test: pySigma's SQLite backend.

The same rules, through the same pipelines, converted to SQL by pySigma's
SQLite backend and run by SQLite over a table of flattened events, the way
Zircolite does it: one TEXT column per field, ``COLLATE NOCASE`` for Sigma's
case-insensitive matching, ``REGEXP`` bound to Python's ``re``.
"""

from __future__ import annotations

import copy
import re
import sqlite3
from collections.abc import Iterable
from typing import Any

import orjson
from sigma.backends.sqlite import sqliteBackend
from sigma.exceptions import SigmaError

from secops import ecs
from secops.detect.pipelines import pipeline_for

FIELD = re.compile(r"`([\w@.\-]+)`")


def convert(rule: Any) -> str:
    """The rule as one SQL statement selecting matching event ids (raises SigmaError when unsupported)."""
    backend = sqliteBackend(processing_pipeline=pipeline_for(rule))
    queries = backend.convert_rule(copy.deepcopy(rule))
    if len(queries) != 1:
        raise SigmaError(f"{len(queries)} queries")
    return queries[0].replace("SELECT * FROM logs", "SELECT _eid FROM logs", 1)


def _regexp(pattern: str, value: Any) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None


def cell(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()


PLAIN = re.compile(r"^[a-zA-Z0-9_]+$")
"""A field name the backend leaves unquoted: only such names can be referenced without backticks."""


def load(events: Iterable[dict[str, Any]], fields: Iterable[str]) -> sqlite3.Connection:
    """An in-memory table of flattened events with a column for each field the queries can name.

    Those are the backtick-quoted ``fields`` and every event key the backend would
    leave unquoted; other keys no query can reach, and leaving them out keeps rows
    narrow (the table build and every scan pay for each column).
    """
    wanted = {f.lower() for f in fields}
    rows = [(ecs.get(e, "event.id"), ecs.flatten(e)) for e in events]
    # SQLite column names are case-insensitive: fields differing only in case share a column.
    present = {k.lower() for _, flat in rows for k in flat}
    columns = sorted((wanted | {k for k in present if PLAIN.match(k)}) - {"_eid"})
    db = sqlite3.connect(":memory:")
    db.create_function("REGEXP", 2, _regexp, deterministic=True)
    defs = ", ".join(f'"{c}" TEXT COLLATE NOCASE' for c in columns)
    db.execute(f"CREATE TABLE logs (_eid TEXT, {defs})")
    index = {c: i + 1 for i, c in enumerate(columns)}
    marks = ", ".join("?" * (len(columns) + 1))

    def values() -> Iterable[list[Any]]:
        for eid, flat in rows:
            row: list[Any] = [eid] + [None] * len(columns)
            for k, v in flat.items():
                at = index.get(k.lower())
                if at is not None:
                    row[at] = cell(v)
            yield row

    db.executemany(f"INSERT INTO logs VALUES ({marks})", values())
    for name in ("winlog.channel", "event.code"):  # speed only; Zircolite has no index
        if name in index:
            db.execute(f'CREATE INDEX "i_{name}" ON logs ("{name}" COLLATE NOCASE)')
    return db


def fields_of(sql: str) -> set[str]:
    return set(FIELD.findall(sql))


MISSING = re.compile(r"no such column: (\S+)")


def query(db: sqlite3.Connection, sql: str) -> set[str]:
    """Event ids a query selects; fields no event has (unquoted names) become empty columns first."""
    while True:
        try:
            return {row[0] for row in db.execute(sql)}
        except sqlite3.OperationalError as exc:
            missing = MISSING.search(str(exc))
            if missing is None:
                raise
            db.execute(f'ALTER TABLE logs ADD COLUMN "{missing[1]}" TEXT COLLATE NOCASE')
