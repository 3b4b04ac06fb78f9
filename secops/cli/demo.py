"""``secops demo``: run the pipeline on a simulated agency day and end with a triage summary."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from secops import escape
from secops.cli.context import state
from secops.demo import DemoReport, run_demo


def demo(
    ctx: typer.Context,
    events: Annotated[int, typer.Option("--events", "-n", help="Log records to simulate.")] = 30_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 7,
) -> None:
    """Simulate a day of an agency's logs, ingest, detect, group incidents, and show what to triage."""
    app = state(ctx)
    err = Console(file=sys.stderr, highlight=False)
    started = time.monotonic()
    report = run_demo(
        app.data_dir, app.config, events=events, seed=seed, step=lambda text: err.print(f"secops demo: {text}")
    )
    summary(report, time.monotonic() - started)


def _table(title: str, rows: list[tuple[str, str]], headers: tuple[str, str]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column(headers[0])
    table.add_column(headers[1], justify="right")
    for label, value in rows:
        table.add_row(Text(escape.one_line(label)), value)
    return table


def summary(report: DemoReport, seconds: float) -> None:
    """The triage summary: what was stored and found, and what to run next."""
    out = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    out.print(
        Text(
            f"\nsecops demo: {report.records:,} records simulated, {report.stored:,} events stored "
            f"({report.parse_failures} parse failures), {len(report.alerts)} alerts "
            f"({report.suppressed:,} more covered by the resolver exception), "
            f"{len(report.incidents)} incidents, in {seconds:.1f} s",
            style="bold",
        )
    )
    out.print(Text(f"data directory: {report.root}"))
    out.print(
        _table("Alerts by severity", [(s.value, str(n)) for s, n in report.by_severity()], ("severity", "alerts"))
    )
    out.print(_table("Top rules", [(r, str(n)) for r, n in report.top_rules()], ("rule", "alerts")))
    out.print(_table("Top hosts", [(h, str(n)) for h, n in report.top("hosts")], ("host", "alerts")))
    out.print(_table("Top users", [(u, str(n)) for u, n in report.top("users")], ("user", "alerts")))
    first = report.incidents[0] if report.incidents else None
    steps = ["secops alerts list", "secops alerts list --group-by rule", "secops incidents list"]
    if first:
        steps += [f"secops incidents show {first}", f"secops incidents timeline {first}"]
    steps += ['secops hunt "event.outcome:failure" --top source.ip', "secops store info"]
    out.print(Text("\nWhat to run next (the README's tour walks through it):", style="bold"))
    for command in steps:
        out.print(Text(f"  {command}"))
