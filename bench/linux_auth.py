"""Benchmark the ``linux-auth`` parser: lines/s for parse + normalise, and through the whole pipeline.

    python bench/linux_auth.py [--lines 300000]

Input is the ``linux-auth.log`` that ``secops generate`` writes (sshd, sudo,
cron, logind, shadow-utils lines in both timestamp styles). Target: 50,000
lines/s on one core for parse + normalise. CPU time is printed beside wall
time because the machine is shared.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC
from pathlib import Path

from secops.generate import SHARES, generate
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext, get_parser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=300_000)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="secops-bench-linux-auth-"))
    try:
        generate(out, events=int(args.lines / SHARES["linux-auth"]) + 1, seed=1)
        path = out / "linux-auth.log"
        lines = path.read_text("utf-8").splitlines()
        ctx = ParseContext(timezone=UTC)
        parse = get_parser("linux-auth").parse
        wall, cpu = time.perf_counter(), time.process_time()
        for line in lines:
            parse(line, ctx)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"lines                      {len(lines):,}")
        print(f"parse + normalise          {len(lines) / wall:,.0f} lines/s wall, {len(lines) / cpu:,.0f} per CPU-s")
        stats = Stats()
        wall, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for _ in parse_files(expand([path]), "linux-auth", ctx, stats))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"pipeline (envelope, ids)   {count / wall:,.0f} lines/s wall, {count / cpu:,.0f} per CPU-s")
        print(f"parse failures             {stats.failures}")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
