"""YARA scan benchmark: ``secops yara scan`` beside ``yara -r -p 2`` on the same rules and corpus.

    python bench/yara.py [--size-gb 1.0] [--corpus DIR] [--keep] [--rounds 2] [--rules DIR]

Builds a corpus of at least ``--size-gb`` GB in a temporary directory by
copying regular files from the system (shared libraries, the JDK, /usr/share,
the Python standard library, /usr/bin), reads it once to warm the page cache,
then alternates runs of the ``yara`` tool (``-r -N -p 2``, rules precompiled
with ``yarac``, external variables set empty) and of ``secops yara scan``
(the command line as users run it, two threads, per-file external variables,
compiled rules from its cache, alerts written as NDJSON to /dev/null) with
the largest shared rule set (by rule count), and of the same scan through the
library inside this process (no process start: ``secops`` imports every
command group at start-up, which costs seconds on a busy machine). Prints
MB/s and files/s of the best run of each, the ratios to the yara tool
(target: ≥ 0.9×), and one library run with a single thread to show what the
second thread buys (libyara releases the GIL while it scans).

The machine is shared: figures measured while others run tests are low for
both tools; the ratio, measured in the same run, is what to compare.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

# This file is named yara.py: keep its folder off the import path so ``import yara`` finds yara-python.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import yara  # noqa: E402

from secops.detect.yara import EXTERNALS, load_pack, yara_files  # noqa: E402
from secops.detect.yara_alerts import file_alerts  # noqa: E402
from secops.detect.yara_scan import Scanner, ScanOptions  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SECOPS_SHARED_DATA", REPO.parent / "shared" / "data"))
SOURCES = [
    Path("/usr/lib/x86_64-linux-gnu"),
    Path("/usr/lib/jvm"),
    Path("/usr/share"),
    Path(sysconfig.get_paths()["stdlib"]),
    Path("/usr/bin"),
]
MAX_FILE = 256 * 1024 * 1024


def build_corpus(target: Path, size: int) -> None:
    """Copy regular files (no links, nothing over ``MAX_FILE``), an equal share from each source
    (what one source lacks, the next ones make up), until ``size`` bytes are there."""
    total = 0
    for left, source in zip(range(len(SOURCES), 0, -1), SOURCES, strict=True):
        quota = total + (size - total) // left
        for folder, dirs, names in os.walk(source):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                if path.is_symlink() or not path.is_file():
                    continue
                length = path.stat().st_size
                if length == 0 or length > MAX_FILE:
                    continue
                dest = target / source.name / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copyfile(path, dest)
                except OSError:
                    continue
                total += length
                if total >= quota:
                    break
            if total >= quota:
                break
    if total < size:
        raise SystemExit(f"only {total / 1e9:.2f} GB of system files found; lower --size-gb")


def corpus_stats(root: Path) -> tuple[int, int]:
    files = size = 0
    for folder, _, names in os.walk(root):
        for name in names:
            files += 1
            size += os.stat(os.path.join(folder, name)).st_size
    return files, size


def warm(root: Path) -> None:
    """Read every file once so that both tools find the corpus in the page cache."""
    for folder, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb", buffering=0) as fh:
                while fh.read(1 << 20):
                    pass


def largest_pack(root: Path) -> Path:
    """The shared rule set with the most rules."""
    counts = {}
    for pack in sorted(p for p in root.iterdir() if p.is_dir()):
        files = list(yara_files([pack]))
        counts[pack] = sum(1 for _ in yara.compile(filepaths={str(f): str(f) for f in files}, externals=EXTERNALS))
    best = max(counts, key=lambda p: counts[p])
    print(
        f"rules: {best.name} ({counts[best]:,} rules; " + ", ".join(f"{p.name} {n:,}" for p, n in counts.items()) + ")"
    )
    return best


def library_scan(rules: yara.Rules, corpus: Path, threads: int) -> float:
    """The scan as the library runs it (rules already loaded, alerts built), without process start."""
    scanner = Scanner(rules, ScanOptions(threads=threads, max_size=MAX_FILE))
    started = time.perf_counter()
    for result in scanner.scan([corpus]):
        file_alerts(result)
    return time.perf_counter() - started


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-gb", type=float, default=1.0)
    parser.add_argument("--corpus", type=Path, help="Reuse (or create) the corpus here instead of a temp dir.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary corpus.")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rules", type=Path, default=SHARED / "yara", help="Folder of rule packs (one per subfolder).")
    args = parser.parse_args()
    for tool in ("yara", "yarac"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found (Debian package yara; scripts/install-system-deps)")
    work = Path(tempfile.mkdtemp(prefix="secops-bench-yara-"))
    corpus = args.corpus or work / "corpus"
    try:
        if not corpus.is_dir() or not any(corpus.iterdir()):
            corpus.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            build_corpus(corpus, int(args.size_gb * 1e9))
            print(f"corpus built in {time.perf_counter() - started:.0f}s at {corpus}")
        files, size = corpus_stats(corpus)
        print(f"corpus: {files:,} files, {size / 1e9:.2f} GB")
        pack = largest_pack(args.rules)
        rule_files = list(yara_files([pack]))
        index = work / "all.yar"
        index.write_text("".join(f'include "{f}"\n' for f in rule_files))
        defines = [arg for name in EXTERNALS for arg in ("-d", f"{name}=")]
        compiled = work / "rules.yarc"
        subprocess.run(["yarac", "-w", *defines, str(index), str(compiled)], check=True)
        data_dir = work / "secops-data"
        secops = [sys.executable, "-m", "secops", "--data-dir", str(data_dir), "yara", "scan", str(corpus)]
        secops += ["--no-bundled", "-r", str(pack), "-f", "ndjson", "--max-size", str(MAX_FILE)]
        tool = ["yara", "-r", "-N", "-w", "-p", "2", *defines, "-C", str(compiled), str(corpus)]
        warm(corpus)
        timed([*secops[:7], str(rule_files[0]), *secops[8:]])  # compile once into secops' rule cache
        rules = load_pack([pack], cache_dir=data_dir / "cache" / "yara").rules
        assert rules is not None
        runs: dict[str, list[float]] = {"yara -r -p 2": [], "secops yara scan": [], "secops library": []}
        for round_no in range(args.rounds):
            for name, seconds in (
                ("yara -r -p 2", lambda: timed(tool)),
                ("secops yara scan", lambda: timed([*secops, "--threads", "2"])),
                ("secops library", lambda: library_scan(rules, corpus, 2)),
            ):
                took = seconds()
                runs[name].append(took)
                print(f"  round {round_no + 1} {name:16}: {took:6.1f}s  {size / took / 1e6:6.1f} MB/s")
        single = library_scan(rules, corpus, 1)
        best = {name: min(times) for name, times in runs.items()}
        for name, took in best.items():
            print(f"{name:24}: {size / took / 1e6:7.1f} MB/s  {files / took:8.0f} files/s  (best {took:.1f}s)")
        print(f"{'secops library, 1 thread':24}: {size / single / 1e6:7.1f} MB/s  {files / single:8.0f} files/s")
        tool_best = best["yara -r -p 2"]
        print(f"ratio secops yara scan / yara -r -p 2: {tool_best / best['secops yara scan']:.2f}x (target >= 0.9x)")
        print(
            f"ratio secops library   / yara -r -p 2: {tool_best / best['secops library']:.2f}x (without process start)"
        )
        print(f"two threads over one (library): {single / best['secops library']:.2f}x")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
