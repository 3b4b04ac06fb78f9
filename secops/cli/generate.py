"""``secops generate``: write a seeded synthetic agency network's raw logs, with attacks woven in."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from secops.generate import generate as run
from secops.timespec import parse_moment


def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the log files and manifest.json.")],
    events: Annotated[int, typer.Option("--events", "-n", help="Total records across all files.")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed and options, byte-identical files.")] = 1,
    start: Annotated[
        str | None, typer.Option("--start", help="First moment, ISO date or time (default 2026-11-02, UTC).")
    ] = None,
    days: Annotated[float, typer.Option("--days", help="Length of the simulated span in days.")] = 1.0,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Processes writing files in parallel (default: one per CPU).")
    ] = None,
) -> None:
    """Write raw logs of a simulated agency (firewalls, Linux auth, Windows events) and their ground truth."""
    result = run(
        out, events=events, seed=seed, start=parse_moment(start) if start else None, days=days, workers=workers
    )
    for name, info in result.manifest["files"].items():
        print(f"{out / info['path']}\t{info['records']}\t{name}")
    print(f"{out / 'manifest.json'}\t{len(result.manifest['scenarios'])} scenarios")
    print(
        f"secops: generated {result.records} records in {result.seconds:.1f} s ({result.rate:,.0f} records/s; "
        f"{result.cpu_rate:,.0f} records per CPU-second in {result.workers} processes)",
        file=sys.stderr,
    )
