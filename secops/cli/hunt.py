"""``secops hunt QUERY``: search stored events with a Lucene/Kibana-style query (see ``secops.hunt``)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from secops import ecs
from secops.cli.context import state
from secops.cli.output import emit, key_values
from secops.store.base import Window
from secops.timespec import parse_moment
from secops.types import Event, OutputFormat

DEFAULT_FIELDS = (
    "@timestamp",
    "event.dataset",
    "host.name",
    "user.name",
    "source.ip",
    "destination.ip",
    "destination.port",
    "event.action",
    "event.outcome",
)


def _project(event: Event, fields: list[str]) -> dict[str, Any]:
    """Only the chosen fields, nested as in the event (for JSON output with ``--fields``)."""
    out: dict[str, Any] = {}
    for name in fields:
        value = ecs.get(event, name)
        if value is not None:
            ecs.put(out, name, value)
    return out


def hunt(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Lucene-style query, e.g. 'user.name:alice AND event.outcome:failure'.")],
    since: Annotated[str | None, typer.Option("--since", help="From this time: 24h, 7d, 2026-11-01 …")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to this time (exclusive).")] = None,
    fields: Annotated[
        str | None, typer.Option("--fields", help="Comma-separated fields to show (JSON: to keep).")
    ] = None,
    top: Annotated[str | None, typer.Option("--top", help="Count the values of this field instead.")] = None,
    count: Annotated[bool, typer.Option("--count", help="Only count the matching events.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Events (or --top values) to show.")] = 100,
    oldest_first: Annotated[bool, typer.Option("--oldest-first", help="Oldest events first.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.TABLE,
) -> None:
    """Search events: newest first, --top FIELD for counts, every --format."""
    from secops.hunt import parse

    parsed = parse(query)
    for warning in dict.fromkeys(parsed.warnings):
        print(f"secops: warning: {warning}", file=sys.stderr)
    window = Window(parse_moment(since) if since else None, parse_moment(until) if until else None)
    events = state(ctx).events
    if count:
        key_values({"query": query, "count": events.count(parsed.query, window)}, fmt)
        return
    if top:
        rows = [{top: value, "count": n} for value, n in events.top(top, parsed.query, window, size=limit)]
        emit(rows, fmt, [(top, top), ("count", "count")], title=f"top {top}")
        return
    chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else list(DEFAULT_FIELDS)
    found = events.search(parsed.query, window, limit=limit, newest_first=not oldest_first)
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        emit([_project(e, chosen) if fields else e for e in found], fmt, [])
        return
    rows = [{name: ecs.get(e, name) for name in chosen} | {"_summary": _summary(e)} for e in found]
    columns = [(name, name) for name in chosen]
    if not fields:
        columns.append(("summary", "_summary"))
    emit(rows, fmt, columns)


def _summary(event: Event) -> str:
    for name in ("message", "event.original"):
        value = ecs.get(event, name)
        if value:
            return str(value)
    return ""
