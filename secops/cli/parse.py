"""``secops parse``: any collector, ECS NDJSON to stdout, nothing stored."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from secops import escape
from secops.cli.context import state
from secops.cli.output import emit, write_ndjson
from secops.errors import UsageError
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import parsers
from secops.types import OutputFormat

FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="Parser such as cisco-asa, evtx, linux-auth (see: secops parse --formats); auto detects per line.",
    ),
]
TimezoneOption = Annotated[
    str | None, typer.Option("--timezone", help="Zone for timestamps without one (default: config, UTC).")
]


def parse(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="Files, directories, globs, .gz or .zip.")] = None,
    fmt: FormatOption = "auto",
    timezone: TimezoneOption = None,
    formats: Annotated[bool, typer.Option("--formats", help="List the formats and exit.")] = False,
) -> None:
    """Parse log files into ECS events and print them as NDJSON."""
    if formats:
        rows = [
            {
                "format": name,
                "dataset": p.dataset,
                "about": (type(p).__doc__ or "").strip().splitlines()[0].replace("``", ""),
            }
            for name, p in sorted(parsers().items())
        ]
        emit(rows, OutputFormat.TABLE, [("format", "format"), ("dataset", "dataset"), ("about", "about")])
        return
    if not files:
        raise UsageError("give at least one file, directory or glob (or --formats)")
    app = state(ctx)
    stats = Stats()
    write_ndjson(parse_files(expand(list(files)), fmt, app.parse_context(timezone), stats))
    report_stats(stats)


def report_stats(stats: Stats) -> None:
    """Warnings and a one-line summary on stderr; stdout stays pure data."""
    for warning in stats.warnings:
        print(f"secops: warning: {escape.one_line(warning)}", file=sys.stderr)
    hidden = stats.failures + stats.unreadable - len(stats.warnings)
    if hidden > 0:
        print(f"secops: warning: {hidden} more warnings like these", file=sys.stderr)
    if stats.failures or stats.unreadable or sys.stderr.isatty():
        unreadable = f", {stats.unreadable} inputs not readable" if stats.unreadable else ""
        print(
            f"secops: {stats.events} events from {stats.files} files, {stats.failures} parse failures{unreadable}",
            file=sys.stderr,
        )
