"""Instructions an event for parse + normalise, counted by callgrind: a figure the machine's pace does not move.

    python bench/instructions.py [firewall] [evtx] [--lines 25200] [--top 12] [--dir DIR] [--shared ../shared/data]

The timed benches (``bench/firewall.py``, ``bench/endpoint.py``) swing by half
between runs a few hours apart on a shared machine, more than most changes
move them. Callgrind counts the same instructions for the same code and
input whatever else runs, so two builds compare fairly by this figure.

Each subject runs twice under callgrind, in a child process doing what
``secops parse`` does without output: once over its records, once over an
empty input with the same imports. The difference over the record count is
printed, and with ``--top N`` the N functions whose own instructions grew
most, per record.

- ``firewall``: the first ``--lines`` lines of the mixed file
  ``bench/firewall.py`` builds (the same generator, seed and interleaving),
  ``--format auto``.
- ``evtx``: every shared EVTX sample once, ``--format evtx``.

Needs valgrind (Debian package ``valgrind``). Under callgrind a program runs
fifty to a hundred times slower: both subjects take about three minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from secops.cli import tune_gc
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext, parsers

REPO = Path(__file__).resolve().parent.parent
SUBJECTS = ["firewall", "evtx"]
SUMMARY = re.compile(rb"^summary: (\d+)$", re.MULTILINE)
# callgrind_annotate's rows: "  1,234 ( 0.01%)  file:function [object]"
ROW = re.compile(r"^\s*([\d,]+) \([ \d.]+%\)\s+(.*?)(?: \[(.*)\])?$")
FILE_PART = re.compile(r"^[^:]*:(?!:)")  # "file:" before a name, which may hold "::" itself


def child(path: str, fmt: str) -> None:
    """The measured work: every event of ``path`` through the pipeline, nothing written."""
    tune_gc()  # as the secops command runs
    parsers()  # discovery is import time, in both runs
    options = {"threads": "1"} if fmt == "evtx" else {}
    count = sum(1 for _ in parse_files(expand([path]), fmt, ParseContext(options=options), Stats()))
    print(count)


def counted(path: Path, fmt: str, out: Path) -> tuple[int, int]:
    """(events, instructions) of one child run under callgrind, its profile written to ``out``."""
    command = ["valgrind", "-q", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__]
    # String hashes, and with them dict probes, change with Python's random seed: fixed, two runs of one
    # build count alike (unfixed they differed by a few hundred instructions an event).
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run([*command, "--child", str(path), fmt], capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"the run over {path} failed:\n{done.stderr[-2000:]}")
    found = SUMMARY.search(out.read_bytes())
    if found is None:
        sys.exit(f"no instruction total in {out}")
    return int(done.stdout.split()[-1]), int(found.group(1))


def own_costs(profile: Path) -> Counter[str]:
    """Each function's own instructions in a profile, by object file and name."""
    text = subprocess.run(
        ["callgrind_annotate", "--threshold=100", str(profile)], check=True, capture_output=True, text=True
    ).stdout
    costs: Counter[str] = Counter()
    for line in text.splitlines():
        row = ROW.match(line)
        if row is None or "PROGRAM TOTALS" in line:
            continue
        name = FILE_PART.sub("", row.group(2))
        costs[f"{Path(row.group(3) or '?').name}: {name}"] += int(row.group(1).replace(",", ""))
    return costs


def measure(name: str, path: Path, empty: Path, fmt: str, work: Path, top: int) -> None:
    """Print ``path``'s instructions an event, less ``empty``'s, and the ``top`` functions that grew most."""
    events, total = counted(path, fmt, work / f"{name}.out")
    none, base = counted(empty, fmt, work / f"{name}-empty.out")
    if none or not events:
        sys.exit(f"{name}: {events} events over the input and {none} over the empty one")
    print(f"{name}: {(total - base) / events:,.0f} instructions an event ({events:,} events, {fmt})")
    if top:
        grown = own_costs(work / f"{name}.out")
        grown.subtract(own_costs(work / f"{name}-empty.out"))
        for function, cost in grown.most_common(top):
            print(f"  {cost / events:>9,.0f}  {function[:120]}")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("subjects", nargs="*", metavar="firewall|evtx", help="default: both")
    parser.add_argument("--lines", type=int, default=25_200, help="firewall lines counted")
    parser.add_argument("--top", type=int, default=12, help="functions listed per subject (0: none)")
    parser.add_argument("--dir", type=Path, help="work directory, profiles kept (default: a temporary one)")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    subjects = args.subjects or SUBJECTS
    if unknown := set(subjects) - set(SUBJECTS):
        parser.error(f"unknown subject(s) {', '.join(sorted(unknown))}: choose from {', '.join(SUBJECTS)}")
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        sys.exit("valgrind is not installed (Debian package valgrind)")
    work = args.dir or Path(tempfile.mkdtemp(prefix="secops-bench-instructions-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if "firewall" in subjects:
            interleave_firewall(work, args.lines)
            (work / "empty.log").write_bytes(b"")
            measure("firewall", work / "firewall.log", work / "empty.log", "auto", work, args.top)
        if "evtx" in subjects:
            (work / "empty").mkdir(exist_ok=True)
            measure("evtx", link_samples(args.shared, work / "evtx"), work / "empty", "evtx", work, args.top)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


def interleave_firewall(work: Path, lines: int) -> None:
    """The first ``lines`` lines of ``bench/firewall.py``'s mixed file (its defaults) as ``firewall.log``."""
    from firewall import generate, interleave  # bench/firewall.py, imported here: the children need not load it

    mixed = work / "mixed.log"
    if not mixed.exists():
        generate(work / "generated", 400_000, 1)
        interleave(work / "generated", mixed)
    with mixed.open("rb") as source, (work / "firewall.log").open("wb") as head:
        for _, line in zip(range(lines), source, strict=False):
            head.write(line)


def link_samples(shared: Path, folder: Path) -> Path:
    """The shared EVTX samples, each once, in one folder without the notes beside them."""
    from endpoint import build_corpus  # bench/endpoint.py's corpus, one pass of it

    samples = sorted((shared / "endpoint" / "evtx").rglob("*.evtx"))
    if not samples:
        sys.exit(f"no EVTX samples under {shared}/endpoint/evtx")
    shutil.rmtree(folder, ignore_errors=True)  # a kept --dir: the samples may have changed
    folder.mkdir()
    build_corpus(samples, 1, folder)
    return folder


if __name__ == "__main__":
    main()
