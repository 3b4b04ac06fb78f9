"""``secops store``: size, compaction and retention of the event store."""

from __future__ import annotations

from typing import Annotated

import typer

from secops.cli.context import state
from secops.cli.output import key_values
from secops.timespec import parse_duration
from secops.types import OutputFormat

app = typer.Typer(help="Inspect, compact and prune the event store.", no_args_is_help=True)

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


@app.command("info")
def info(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Segments, events, bytes and time range of the store."""
    key_values(state(ctx).events.info(), fmt, title="event store")


@app.command("compact")
def compact(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Merge small segments so queries open fewer files."""
    key_values(state(ctx).events.compact(), fmt, title="compaction")


@app.command("prune")
def prune(
    ctx: typer.Context,
    older_than: Annotated[str, typer.Option("--older-than", help="Age past which whole partitions go, e.g. 90d.")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Delete whole time partitions older than the given age (retention)."""
    key_values(state(ctx).events.prune(parse_duration(older_than)), fmt, title="retention")
