"""Rendering of listings in every ``--format``: table, json, ndjson, csv.

Tables go to a terminal through Rich with every value as plain ``Text`` (so
``[markup]`` in a log is never interpreted) and control characters made
visible; piped, a table becomes plain tab-separated lines. JSON keeps values
byte-exact; CSV neutralises formula prefixes.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from secops import ecs, escape
from secops.errors import UsageError
from secops.types import OutputFormat

Column = tuple[str, str]
"""(header, dotted key into the row)."""


def stdout_console() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False)


def cell(value: Any) -> str:
    """A value as one line of text, before escaping."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, Mapping):
        return orjson.dumps(value, default=str).decode()
    return str(value)


TABLE_CELL_MAX = 200
"""Characters of one value a terminal table shows: a 20,000-character host name would fill screens.
Piped, CSV and JSON output keep every value whole."""


def _clip(text: str) -> str:
    if len(text) <= TABLE_CELL_MAX:
        return text
    return f"{text[:TABLE_CELL_MAX]}… (+{len(text) - TABLE_CELL_MAX} characters)"


def dumps(value: Any) -> bytes:
    """JSON bytes for output; non-JSON types (datetimes, enums) as strings."""
    return escape.inert_json(orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS))


def emit(
    rows: Sequence[Mapping[str, Any]],
    fmt: OutputFormat,
    columns: Sequence[Column],
    *,
    title: str | None = None,
) -> None:
    """Write rows in the requested format to stdout."""
    out = sys.stdout
    if fmt is OutputFormat.JSON:
        out.buffer.write(escape.inert_json(orjson.dumps(list(rows), default=str, option=orjson.OPT_INDENT_2)) + b"\n")
    elif fmt is OutputFormat.NDJSON:
        write_ndjson(rows)
    elif fmt is OutputFormat.CSV:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([escape.csv_cell(h) for h, _ in columns])
        for row in rows:
            writer.writerow([escape.csv_cell(escape.terminal(cell(ecs.get(row, key)))) for _, key in columns])
    elif out.isatty():
        table = Table(title=Text(escape.one_line(title)) if title else None, title_justify="left")
        for header, _ in columns:
            table.add_column(Text(header), overflow="fold")
        for row in rows:
            table.add_row(*(Text(_clip(escape.one_line(cell(ecs.get(row, key))))) for _, key in columns))
        stdout_console().print(table)
    else:
        out.write("\t".join(h for h, _ in columns) + "\n")
        for row in rows:
            out.write("\t".join(escape.one_line(cell(ecs.get(row, key))) for _, key in columns) + "\n")
    out.flush()


STDOUT = Path("-")
"""``--output -``: standard output, as most tools read it."""


def write_file(path: Path, data: bytes) -> None:
    """An output file the user asked for (``--output``, ``-`` for stdout); a path that cannot be written is an error."""
    if path == STDOUT:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", where=str(path)) from None


def write_ndjson(rows: Iterable[Mapping[str, Any]]) -> int:
    """Stream rows as NDJSON to stdout; returns how many were written."""
    buffer = sys.stdout.buffer
    count = 0
    for row in rows:
        buffer.write(dumps(row) + b"\n")
        count += 1
    buffer.flush()
    return count


def key_values(pairs: Mapping[str, Any], fmt: OutputFormat, *, title: str | None = None) -> None:
    """A single record (info pages) as two columns, or as one JSON object."""
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        opt = orjson.OPT_INDENT_2 if fmt is OutputFormat.JSON else 0
        sys.stdout.buffer.write(escape.inert_json(orjson.dumps(dict(pairs), default=str, option=opt)) + b"\n")
        sys.stdout.flush()
        return
    emit(
        [{"key": k, "value": cell(v)} for k, v in pairs.items()], fmt, [("key", "key"), ("value", "value")], title=title
    )
