"""``secops detect``: scheduled runs over the store, a foreground loop, offline scans of evidence."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from secops import escape
from secops.cases.grouping import group_alerts
from secops.cases.models import Alert, MatchedEvent
from secops.cli.context import AppState, state
from secops.cli.output import Column, emit
from secops.cli.parse import TimezoneOption, report_stats
from secops.detect.rules import Problem, sigma_paths
from secops.detect.scan import scan as scan_files
from secops.errors import LockHeld, UsageError
from secops.store.base import Window
from secops.timespec import parse_duration, parse_moment
from secops.types import OutputFormat, Severity

if TYPE_CHECKING:
    from secops.detect.jobs import RunResult

app = typer.Typer(
    help="Run Sigma detections: scheduled, looping, backfilled over stored history, or over evidence files.",
    no_args_is_help=True,
)

ALERT_COLUMNS: list[Column] = [
    ("time", "timestamp"),
    ("level", "severity"),
    ("rule", "rule.name"),
    ("author", "rule.author"),
    ("attack", "techniques"),
    ("hosts", "entities.hosts"),
    ("users", "entities.users"),
    ("events", "event_count"),
    ("first event", "first_event"),
]
RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", "-r", help="Sigma rule file or folder (repeatable; default: $SECOPS_RULES, config)."),
]
NoBundled = Annotated[bool, typer.Option("--no-bundled", help="Leave out the project's own rules/sigma pack.")]
OutFormat = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
InputFormat = Annotated[
    str, typer.Option("--input-format", help="Parser name (see DESIGN.md) or 'auto' to detect per file or line.")
]
FailOn = Annotated[Severity | None, typer.Option("--fail-on", help="Exit 1 when an alert has at least this severity.")]


def alert_row(alert: Alert) -> dict[str, object]:
    """An alert as printed: the model plus the columns a table wants."""
    row = alert.model_dump(mode="json")
    first = alert.events[0] if alert.events else None
    row["event_count"] = len(alert.events)
    if first is not None:
        row["first_event"] = _where(first)
    return row


def _where(event: MatchedEvent) -> str:
    """A file and the record's byte offset or record number (streams of JSON have neither), else the id."""
    if not event.file:
        return event.id
    if event.offset is not None:
        return f"{event.file}:{event.offset}"
    return f"{event.file} record {event.record}" if event.record is not None else event.file


def report_problems(problems: list[Problem], verbose: bool = False) -> None:
    """Rules that could not be used, on stderr: never silently dropped."""
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors if verbose else errors[:5]:
        print(f"secops: warning: {escape.one_line(str(problem))}", file=sys.stderr)
    if len(errors) > 5 and not verbose:
        print(f"secops: warning: {len(errors) - 5} more rule problems (see 'secops rules check')", file=sys.stderr)


def auto_group(app_state: AppState, new_alerts: int) -> str:
    """Group new alerts into incidents after a run, as ``[incidents] auto`` (on by default) asks; what it did."""
    settings = app_state.config.incidents
    if not settings.auto or not new_alerts:
        return ""
    result = group_alerts(app_state.cases, settings, actor=app_state.actor)
    return f"; {len(result.created)} new incidents, {len(result.extended)} extended"


def rule_paths(app_state: AppState, given: list[Path] | None, no_bundled: bool) -> list[Path]:
    paths = sigma_paths(app_state.config.rules, given or [], bundled=not no_bundled)
    if not paths:
        raise UsageError("no Sigma rules: give --rules PATH or set rules in the configuration")
    return paths


@app.command("scan")
def scan(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Evidence files or folders (.gz and .zip too).")],
    rules: RulesOption = None,
    no_bundled: NoBundled = False,
    input_format: InputFormat = "auto",
    timezone: TimezoneOption = None,
    output: OutFormat = OutputFormat.TABLE,
    fail_on: FailOn = None,
) -> None:
    """Scan evidence files with Sigma rules, no store needed; alerts go to stdout."""
    app_state = state(ctx)
    started = time.monotonic()
    result = scan_files(
        paths,
        rule_paths(app_state, rules, no_bundled),
        fmt=input_format,
        ctx=app_state.parse_context(timezone),
        config=app_state.config.detect,
    )
    report_problems(result.problems)
    report_stats(result.stats)
    emit([alert_row(a) for a in result.alerts], output, ALERT_COLUMNS, title="Sigma alerts")
    print(
        f"secops: {len(result.alerts)} alerts from {result.events:,} events, {result.rules} rules "
        f"in {time.monotonic() - started:.1f}s",
        file=sys.stderr,
    )
    worst = result.worst()
    if fail_on is not None and worst is not None and worst.rank >= fail_on.rank:
        raise typer.Exit(1)


@app.command("run")
def run(
    ctx: typer.Context,
    rules: RulesOption = None,
    no_bundled: NoBundled = False,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for a run already in progress.")] = 0.0,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Events per batch (watermark step).")] = 50_000,
) -> None:
    """One run over everything ingested since the last run (by ingest order)."""
    from secops.detect.jobs import run_once

    app_state = state(ctx)
    result = run_once(
        app_state.events,
        app_state.cases,
        rule_paths(app_state, rules, no_bundled),
        app_state.data_dir,
        config=app_state.config.detect,
        wait=wait,
        batch_size=batch_size,
    )
    _report(app_state, result)


@app.command("backfill")
def backfill(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="From this event time: 30d, 2026-11-01 …")],
    until: Annotated[str | None, typer.Option("--until", help="Up to this event time (exclusive).")] = None,
    rules: RulesOption = None,
    no_bundled: NoBundled = False,
) -> None:
    """Run rules over events already stored, by event time: a new rule over the past month.

    Alerts merge with those of scheduled runs (same dedup keys); the scheduled
    job's watermark is not moved.
    """
    from secops.detect.jobs import backfill as run_backfill

    app_state = state(ctx)
    window = Window(parse_moment(since), parse_moment(until) if until else None)
    if window.since is not None and window.until is not None and window.until <= window.since:
        raise UsageError("--until must be after --since")
    result = run_backfill(
        app_state.events,
        app_state.cases,
        rule_paths(app_state, rules, no_bundled),
        app_state.data_dir,
        window,
        config=app_state.config.detect,
    )
    _report(app_state, result)


def _report(app_state: AppState, result: RunResult) -> None:
    """A run's problems and its one-line summary on stderr, after its new alerts are grouped."""
    report_problems(result.problems)
    grouped = auto_group(app_state, result.new_alerts)
    print(
        f"secops: {result.events:,} events, {result.new_alerts} new alerts ({result.alerts} built, "
        f"{result.suppressed} suppressed) in {result.seconds:.1f}s{grouped}",
        file=sys.stderr,
    )


@app.command("schedule")
def schedule(
    ctx: typer.Context,
    every: Annotated[str, typer.Option("--every", help="Interval between runs, e.g. 5m, 30s, 1h.")] = "5m",
    rules: RulesOption = None,
    no_bundled: NoBundled = False,
    runs: Annotated[int, typer.Option("--runs", help="Stop after this many runs (0: run until stopped).")] = 0,
) -> None:
    """Run detections in the foreground every interval (for a systemd service or a terminal)."""
    from secops.detect.jobs import run_once

    app_state = state(ctx)
    try:
        interval = parse_duration(every).total_seconds()
    except ValueError as exc:
        raise UsageError(f"bad interval {every!r}", where="--every") from exc
    if interval < 1:  # shorter would re-run back to back, holding the job lock and the store busy
        raise UsageError(f"the interval must be at least 1s, not {every!r}", where="--every")
    done = 0
    while True:
        started = time.monotonic()
        try:
            result = run_once(
                app_state.events,
                app_state.cases,
                rule_paths(app_state, rules, no_bundled),
                app_state.data_dir,
                config=app_state.config.detect,
            )
            grouped = auto_group(app_state, result.new_alerts)
            print(
                f"secops: run {done + 1}: {result.events:,} events, {result.new_alerts} new alerts{grouped}",
                file=sys.stderr,
                flush=True,
            )
        except LockHeld as exc:
            print(f"secops: run skipped: {exc}", file=sys.stderr, flush=True)
        done += 1
        if runs and done >= runs:
            return
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
