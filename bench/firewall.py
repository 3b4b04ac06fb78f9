"""Firewall collectors benchmark: parse + normalise, parse + store, and syslog-ng on the same file.

    python bench/firewall.py [--events 400000] [--seed 1] [--repeat 3] [--dir DIR] [--no-syslog-ng]

1. ``secops generate`` writes a seeded agency's logs; the ten firewall files
   (Cisco ASA, PAN-OS, FortiGate, pfSense, netfilter, Check Point, Juniper
   SRX, SonicWall, CEF, LEEF) are interleaved line by line into one mixed
   file, so ``--format auto`` must recognise the vendor on every line.
2. parse + normalise: every line through the pipeline (sniff, parse to ECS,
   envelope with ``event.id``), nothing written. Lines per second of wall
   time and per CPU-second of this process (one core).
3. parse + store: the same into a fresh embedded store (Parquet + SQLite).
4. syslog-ng (Debian ``syslog-ng-core`` + ``syslog-ng-scl``) reads the same
   file and runs its own ``cisco-parser()`` and ``panos-parser()`` on the
   Cisco and PAN-OS lines, and its ``fortigate-parser()``,
   ``checkpoint-parser()`` and ``iptables-parser()`` where those apply (a
   plain ``syslog-parser()`` elsewhere). Its rate is taken per CPU-second
   of the syslog-ng process and per wall second from start to last line
   written, and ours is printed as a ratio of it.

Steps 2 and 4 run ``--repeat`` times, alternated: the machine's pace drifts
by up to a quarter (syslog-ng's own rate was 114,800 lines per CPU-second in
one run and 88,200 in another, hours apart), so every run is printed, with the best, median and worst, how many met the
target, and each run's ratio against the syslog-ng run after it.

Target (issue 3): ≥ 50,000 lines/s per core for parse + normalise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from secops.cli import tune_gc
from secops.config import Config
from secops.ingest import ingest_files
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext, parsers
from secops.store import open_case_store, open_event_store

FIREWALL_FILES = (
    "cisco-asa.log", "panos.log", "fortigate.log", "pfsense.log", "netfilter.log", "checkpoint.log",
    "juniper-srx.log", "sonicwall.log", "cef.log", "leef.log",
)  # fmt: skip
TARGET = 50_000


def generate(out: Path, events: int, seed: int) -> None:
    command = [sys.executable, "-m", "secops", "generate", "--out", str(out), "--events", str(events)]
    subprocess.run([*command, "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)


def interleave(folder: Path, mixed: Path) -> int:
    """Merge the firewall files so that each keeps its order and all are spread evenly; returns lines."""
    sources = [(folder / name).read_bytes().splitlines() for name in FIREWALL_FILES if (folder / name).exists()]
    keyed = [(i / len(lines), n, line) for n, lines in enumerate(sources) for i, line in enumerate(lines) if line]
    keyed.sort()
    with mixed.open("wb") as fh:
        fh.writelines(line + b"\n" for _, _, line in keyed)
    return len(keyed)


def parse_normalise(mixed: Path) -> tuple[int, float, float, int]:
    parsers()  # discovery is import time, not parsing time
    stats = Stats()
    wall, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in parse_files(expand([mixed]), "auto", ParseContext(), stats))
    return count, time.perf_counter() - wall, time.process_time() - cpu, stats.failures


def parse_store(mixed: Path, data_dir: Path) -> tuple[int, float, float]:
    shutil.rmtree(data_dir, ignore_errors=True)  # a fresh store: no checkpoint may skip the file
    events, cases = open_event_store(Config(), data_dir), open_case_store(Config(), data_dir)
    stats = Stats()
    wall, cpu = time.perf_counter(), time.process_time()
    result = ingest_files(expand([mixed]), "auto", ParseContext(), events, cases, stats, batch_size=50_000)
    elapsed = time.perf_counter() - wall, time.process_time() - cpu
    events.close()
    cases.close()
    return result.stored, *elapsed


SYSLOG_NG_CONFIG = """@version: 3.38
@include "scl.conf"
options {{ stats-freq(0); log-msg-size(1048576); keep-hostname(yes); chain-hostnames(no); }};
source s_mixed {{ file("{mixed}" flags(no-parse) follow-freq(1) log-fetch-limit(1000) log-iw-size(100000)); }};
destination d_out {{ file("{out}" template("${{.cisco.mnemonic}}${{.panos.type}}${{.fortigate.type}}\\n")); }};
log {{
    source(s_mixed);
    # A vendor parser that rejects a line must not drop it: each runs inside its own if {{}}.
    if (message("%ASA-" type(string) flags(substring)) or message("%FTD-" type(string) flags(substring))) {{
        if {{ parser {{ cisco-parser(); }}; }};
    }} elif (message(",TRAFFIC," type(string) flags(substring)) or message(",THREAT," type(string) flags(substring))
             or message(",SYSTEM," type(string) flags(substring))) {{
        if {{ parser {{ syslog-parser(); panos-parser(); }}; }};
    }} elif (message("^<[0-9]+>date=")) {{
        if {{ parser {{ fortigate-parser(); }}; }};
    }} elif (message(" CheckPoint " type(string) flags(substring))) {{
        if {{ parser {{ checkpoint-parser(); }}; }};
    }} elif (message(" SRC=" type(string) flags(substring))) {{
        if {{ parser {{ syslog-parser(); iptables-parser(); }}; }};
    }} else {{
        if {{ parser {{ syslog-parser(); }}; }};
    }};
    destination(d_out);
}};
"""


def syslog_ng(mixed: Path, lines: int, work: Path) -> tuple[int, float, float] | None:
    """syslog-ng's (lines written, wall seconds, CPU seconds) for the mixed file; None when not installed.

    Done means every line written, or no progress for 30 s: its ``panos-parser()`` drops the THREAT
    lines it cannot read, so those never arrive.
    """
    binary = shutil.which("syslog-ng")
    if binary is None or not Path("/usr/share/syslog-ng/include/scl/cisco/plugin.conf").exists():
        print("syslog-ng: not measured (install syslog-ng-core and syslog-ng-scl: scripts/install-system-deps)")
        return None
    out = work / "syslog-ng.out"
    for stale in (out, work / "persist"):
        stale.unlink(missing_ok=True)
    config = work / "syslog-ng.conf"
    config.write_text(SYSLOG_NG_CONFIG.format(mixed=mixed, out=out))
    subprocess.run([binary, "--syntax-only", "-f", str(config)], check=True)
    command = [binary, "-F", "-f", str(config), "-R", str(work / "persist"), "-p", str(work / "pid")]
    command += ["-c", str(work / "ctl"), "--no-caps"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        done, progress, cpu = 0, time.perf_counter(), 0.0
        while done < lines and process.poll() is None and time.perf_counter() - progress < 30:
            time.sleep(0.05)
            now = _count_lines(out)
            if now > done:
                progress, done, cpu = time.perf_counter(), now, _cpu_seconds(process.pid)
        wall = progress - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    if done < lines:
        print(f"syslog-ng: wrote {done:,} of {lines:,} lines (the rest dropped by its parsers)")
    return done, wall, cpu


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=400_000, help="records for secops generate (all formats)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one, removed)")
    parser.add_argument("--no-syslog-ng", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="parse + normalise and syslog-ng runs, alternated")
    args = parser.parse_args()
    tune_gc()  # the process setting the secops command runs with
    work = args.dir or Path(tempfile.mkdtemp(prefix="secops-bench-fw-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        generated, mixed = work / "generated", work / "mixed.log"
        started = time.perf_counter()
        generate(generated, args.events, args.seed)
        lines = interleave(generated, mixed)
        size = mixed.stat().st_size
        print(f"mixed file: {lines:,} lines of 10 firewall formats, {size / 1e6:.1f} MB "
              f"(secops generate + interleave: {time.perf_counter() - started:.1f}s)")  # fmt: skip
        ours, theirs = [], []
        for round_ in range(1, args.repeat + 1):  # alternated, so that both see the machine's drift alike
            count, wall, cpu, failures = parse_normalise(mixed)
            ours.append(count / cpu)
            print(f"[{round_}] parse + normalise: {count:,} events, {failures} parse failures, "
                  f"{count / wall:,.0f} lines/s wall, {count / cpu:,.0f} lines per CPU-second")  # fmt: skip
            peer = None if args.no_syslog_ng else syslog_ng(mixed, lines, work)
            if peer is not None:
                peer_lines, peer_wall, peer_cpu = peer
                theirs.append(peer_lines / peer_cpu)
                print(f"[{round_}] syslog-ng 3.38:    {peer_lines / peer_wall:,.0f} lines/s wall (incl. start-up), "
                      f"{peer_lines / peer_cpu:,.0f} lines per CPU-second; ratio (secops / syslog-ng) "
                      f"{ours[-1] / theirs[-1]:.2f} per CPU-second")  # fmt: skip
        met = sum(rate >= TARGET for rate in ours)
        print(f"parse + normalise, lines per CPU-second: best {max(ours):,.0f}, median {median(ours):,.0f}, "
              f"worst {min(ours):,.0f} (target {TARGET:,}: met in {met} of {len(ours)} runs)")  # fmt: skip
        if theirs:
            ratios = [mine / peer for mine, peer in zip(ours, theirs, strict=True)]
            print(f"ratio (secops / syslog-ng) per CPU-second, each run against the syslog-ng run after it: "
                  f"median {median(ratios):.2f} ({', '.join(f'{r:.2f}' for r in ratios)})")  # fmt: skip
        stored, wall_s, cpu_s = parse_store(mixed, work / "store")
        print(f"parse + store:     {stored:,} events, {stored / wall_s:,.0f} lines/s wall, "
              f"{stored / cpu_s:,.0f} lines per CPU-second of this process")  # fmt: skip
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
