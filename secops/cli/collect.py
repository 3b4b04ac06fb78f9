"""``secops collect``: ingest from files (and, later, syslog listeners and capture) into the store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from secops.cli import collect_pcap, collect_syslog
from secops.cli.collect_hooks import DetectOption, YaraOption, batch_hooks
from secops.cli.context import state
from secops.cli.output import stderr_console
from secops.cli.parse import FormatOption, TimezoneOption, report_stats
from secops.ingest import SOURCE_LOCKS, SourceLocks, ingest_files
from secops.inputs import expand
from secops.pipeline import Stats

app = typer.Typer(help="Ingest logs into the configured store.", no_args_is_help=True)


@app.command("file")
def collect_file(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files, directories, globs, .gz or .zip.")],
    fmt: FormatOption = "auto",
    timezone: TimezoneOption = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Events per stored batch.")] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-F", help="Keep reading as files grow and rotate, until interrupted.")
    ] = False,
    detect: DetectOption = False,
    yara: YaraOption = False,
) -> None:
    """Ingest files once, resuming each from its checkpoint (or follow them with --follow)."""
    app_state = state(ctx)
    hooks = batch_hooks(app_state, detect=detect, yara=yara)
    if follow:
        collect_syslog.follow(app_state, list(paths), fmt, timezone, batch_size, hooks)
        return
    stats = Stats()
    files = expand(list(paths))
    size = batch_size or app_state.config.batch_size
    locks = SourceLocks(app_state.data_dir / SOURCE_LOCKS)
    with (
        locks,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            console=stderr_console(),
            transient=True,
            disable=not sys.stderr.isatty(),
        ) as progress,
    ):
        task = progress.add_task("ingesting", total=None)
        result = ingest_files(
            files,
            fmt,
            app_state.parse_context(timezone),
            app_state.events,
            app_state.cases,
            stats,
            batch_size=size,
            on_batch=hooks,
            on_progress=lambda n: progress.update(task, description=f"ingesting: {n:,} events"),
            locks=locks,
        )
    report_stats(stats)
    print(f"secops: stored {result.stored:,} of {result.read:,} events read", file=sys.stderr)
    for line in hooks.finish():
        print(f"secops: {line}", file=sys.stderr)


app.command("syslog")(collect_syslog.syslog)
app.command("pcap")(collect_pcap.collect_pcap)
