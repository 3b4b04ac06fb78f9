"""``secops parse``: any collector, ECS NDJSON to stdout, nothing stored."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from secops import escape
from secops.cli.context import state
from secops.cli.output import write_ndjson
from secops.inputs import expand
from secops.pipeline import Stats, parse_files

FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="Parser name (see DESIGN.md) or 'auto' to detect per file or line.")
]
TimezoneOption = Annotated[
    str | None, typer.Option("--timezone", help="Zone for timestamps without one (default: config, UTC).")
]


def parse(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files, directories, globs, .gz or .zip.")],
    fmt: FormatOption = "auto",
    timezone: TimezoneOption = None,
) -> None:
    """Parse log files into ECS events and print them as NDJSON."""
    app = state(ctx)
    stats = Stats()
    write_ndjson(parse_files(expand(list(files)), fmt, app.parse_context(timezone), stats))
    report_stats(stats)


def report_stats(stats: Stats) -> None:
    """Warnings and a one-line summary on stderr; stdout stays pure data."""
    for warning in stats.warnings:
        print(f"secops: warning: {escape.one_line(warning)}", file=sys.stderr)
    hidden = stats.failures - len(stats.warnings)
    if hidden > 0:
        print(f"secops: warning: {hidden} more records could not be parsed", file=sys.stderr)
    if stats.failures or sys.stderr.isatty():
        print(
            f"secops: {stats.events} events from {stats.files} files, {stats.failures} parse failures",
            file=sys.stderr,
        )
