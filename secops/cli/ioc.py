"""``secops ioc``: import indicators (CSV, plain lists, STIX 2.1, MISP JSON), list them, match stored events."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from secops import escape
from secops.cli.context import state
from secops.cli.output import emit, key_values
from secops.errors import InputError
from secops.ioc.model import IndicatorType
from secops.store.base import Window
from secops.timespec import parse_moment
from secops.types import OutputFormat

app = typer.Typer(help="Import indicators of compromise and match them.", no_args_is_help=True)

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
MAX_PROBLEMS_SHOWN = 20


@app.command("import")
def import_(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Indicator files.")],
    kind: Annotated[str, typer.Option("--kind", help="auto, csv, list, stix or misp.")] = "auto",
    source: Annotated[
        str | None, typer.Option("--source", help="Feed name recorded with them (default: file name).")
    ] = None,
    all_attributes: Annotated[
        bool, typer.Option("--all-attributes", help="MISP: also attributes not flagged for detection (to_ids).")
    ] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Import indicator files; bad entries are reported by file and line, the rest is imported."""
    from secops.ioc.match import import_indicators
    from secops.ioc.readers import FORMATS, read

    if kind not in FORMATS:
        raise InputError(f"unknown indicator format {kind!r} (one of {', '.join(FORMATS)})", where="--kind")
    app_state = state(ctx)
    rows = []
    problems = 0
    for path in paths:
        result = read(path, kind, source=source, include_all=all_attributes)
        name = source or path.name
        new = import_indicators(app_state.cases, result.indicators, actor=app_state.actor, source=name)
        for problem in result.problems[:MAX_PROBLEMS_SHOWN]:  # they quote the feed: third-party text
            print(f"secops: warning: {escape.one_line(problem)}", file=sys.stderr)
        if len(result.problems) > MAX_PROBLEMS_SHOWN:
            print(
                f"secops: warning: {len(result.problems) - MAX_PROBLEMS_SHOWN} more problems in {path}", file=sys.stderr
            )
        problems += len(result.problems)
        rows.append(
            {
                "file": str(path),
                "indicators": len(result.indicators),
                "new": new,
                "skipped": result.skipped,
                "problems": len(result.problems),
            }
        )
    emit(rows, fmt, [(k, k) for k in ("file", "indicators", "new", "skipped", "problems")])


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: Annotated[IndicatorType | None, typer.Option("--type", help="Only this type.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    page: Annotated[int, typer.Option("--page", min=1)] = 1,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Stored indicators, by type and value."""
    cases = state(ctx).cases
    found = cases.indicators(kind, limit=limit, offset=(page - 1) * limit)
    rows = [i.model_dump(mode="json") for i in found]
    emit(rows, fmt, [(k, k) for k in ("type", "value", "severity", "source", "description", "tags", "expires")])
    if fmt is OutputFormat.TABLE and sys.stderr.isatty():
        print(f"indicators: {cases.count_indicators(kind):,} stored", file=sys.stderr)


@app.command("match")
def match(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="Events from this time: 30d, 2026-11-01 …")] = "30d",
    until: Annotated[str | None, typer.Option("--until", help="Up to this time (exclusive).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report hits without storing alerts.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Match the stored indicators against stored events, retroactively, producing alerts."""
    from secops.ioc.match import match_stored

    app_state = state(ctx)
    window = Window(parse_moment(since), parse_moment(until) if until else None)
    result = match_stored(app_state.cases, app_state.events, window, dry_run=dry_run)
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        key_values(
            {
                "indicators": result.indicators,
                "events_matched": result.events_matched,
                "alerts": [a.model_dump(mode="json") for a in result.alerts],
                "new_alerts": result.new_alerts,
                "suppressed": result.suppressed,
            },
            fmt,
        )
        return
    from secops.cli.alerts import render_alerts

    render_alerts(result.alerts, fmt, title="IOC alerts")
    print(
        f"secops: {result.indicators:,} indicators, {result.events_matched:,} events matched, "
        f"{len(result.alerts):,} alerts ({result.new_alerts:,} new, {result.suppressed} suppressed)",
        file=sys.stderr,
    )
