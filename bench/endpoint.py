"""EVTX → ECS records/s (parse + normalise, no store) beside the bare ``evtx`` library, same run.

    .venv/bin/python bench/endpoint.py [--gb 1.0] [--threads 1] [--shared ../shared/data]

The shared EVTX samples are repeated (hard links, or copies across file
systems) into a temp directory until the corpus reaches ``--gb``; it is
deleted afterwards. Three passes over the same files:

- ``bare json``: the library's ``records_json()``, records counted, nothing else;
- ``bare xml``: the library's ``records()`` (its faster rendering), likewise;
- ``secops``: ``secops parse``'s path without output — sniffing, the EVTX
  structure check, ``records_json()``, the native Windows → ECS mapping of
  each record's JSON text and the pipeline's envelope (event.id hash,
  event.original).

Printed: records/s on the wall clock and per CPU-second (all threads of this
process), the ratio of ours to each bare rate, and peak memory. Targets (issue
4): ours ≥ 50 % of the bare library, ≥ 30,000 records/s per core. The machine
is shared: figures measured while others run tests are low for all passes.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from evtx import PyEvtxParser  # noqa: E402

from secops.cli import tune_gc  # noqa: E402
from secops.inputs import expand  # noqa: E402
from secops.pipeline import Stats, parse_files  # noqa: E402
from secops.registry import ParseContext, parsers  # noqa: E402
from secops.types import Event  # noqa: E402


def build_corpus(samples: list[Path], target: int, folder: Path) -> tuple[list[Path], int]:
    files, size, copy = [], 0, 0
    while size < target:
        for sample in samples:
            dest = folder / f"{copy:04d}-{sample.name}"
            try:
                os.link(sample, dest)
            except OSError:
                shutil.copyfile(sample, dest)
            files.append(dest)
            size += sample.stat().st_size
        copy += 1
    return files, size


def measure(name: str, run: Callable[[], int]) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    records = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{name:10} {records:>10,} records  {records / wall:>10,.0f}/s wall  {records / cpu:>10,.0f}/s per CPU-second"
    )
    return records / wall, records / cpu, records


def our_events(folder: str, threads: int, stats: Stats) -> Iterator[Event]:
    """``secops parse``'s events of every EVTX file under ``folder``, without output."""
    return parse_files(expand([folder]), "evtx", ParseContext(options={"threads": str(threads)}), stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1, help="library worker threads, for both paths")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    tune_gc()  # the process setting the secops command runs with
    samples = sorted((args.shared / "endpoint" / "evtx").rglob("*.evtx"))
    if not samples:
        sys.exit(f"no EVTX samples under {args.shared}/endpoint/evtx")
    with tempfile.TemporaryDirectory(prefix="secops-bench-evtx-") as tmp:
        files, size = build_corpus(samples, int(args.gb * (1 << 30)), Path(tmp))
        print(f"corpus: {len(files):,} files, {size / (1 << 30):.2f} GiB ({len(samples)} samples repeated)")
        print(f"library threads: {args.threads}; cores on this machine: {os.cpu_count()}")

        def bare(mode: str) -> Callable[[], int]:
            def go() -> int:
                count = 0
                for path in files:
                    for _ in getattr(PyEvtxParser(str(path), number_of_threads=args.threads), mode)():
                        count += 1
                return count

            return go

        def ours() -> int:
            stats = Stats()
            count = sum(1 for _ in our_events(tmp, args.threads, stats))
            if stats.failures:
                sys.exit(f"unexpected parse failures: {stats.warnings[:3]}")
            return count

        parsers()  # discovery is import time, not parsing time (as in bench/firewall.py)
        json_wall, json_cpu, json_n = measure("bare json", bare("records_json"))
        xml_wall, xml_cpu, _ = measure("bare xml", bare("records"))
        our_wall, our_cpu, our_n = measure("secops", ours)
        if our_n != json_n:
            sys.exit(f"record counts differ: ours {our_n} vs library {json_n}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ratio secops / bare json: {our_wall / json_wall:.0%} wall, {our_cpu / json_cpu:.0%} per CPU-second")
    print(f"ratio secops / bare xml:  {our_wall / xml_wall:.0%} wall, {our_cpu / xml_cpu:.0%} per CPU-second")
    print(f"secops per core: {our_cpu:,.0f} records per CPU-second (target 30,000)")
    print(f"peak RSS of the three passes: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
