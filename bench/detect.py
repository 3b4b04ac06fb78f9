"""Sigma detection throughput: the native engine beside the Zircolite approach, in one run.

Corpus: ECS events from a base NDJSON file (default: the shared EVTX samples and
generated Winlogbeat events, parsed by ``secops parse``), replayed with fresh
``event.id`` values until ``--events`` (default 1,000,000) have been evaluated.
Events are decoded one line at a time, so memory stays bounded.

Native: every SigmaHQ rule that loads, compiled once (and timed again from the
compiled-rule cache), evaluated batch by batch as ``detect run`` does.
Zircolite approach: the same rules converted by pySigma's SQLite backend with
the same pipelines, run in SQLite (in memory, one TEXT COLLATE NOCASE column
per field, no index, ``REGEXP`` in Python) over the first ``--sqlite-events``
events; full scans grow linearly with the event count, so events/s compare.

Prints events/s (wall and per CPU-second), peak memory, and the ratio.

    .venv/bin/python bench/detect.py [--events N] [--sqlite-events M] [--base FILE]
"""

from __future__ import annotations

import argparse
import copy
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
FOLDERS = ("rules", "rules-emerging-threats", "rules-threat-hunting", "rules-compliance", "rules-placeholder")
sys.path.insert(0, str(REPO))

from secops import ecs  # noqa: E402
from secops.cli import tune_gc  # noqa: E402
from secops.detect.detector import BATCH, Detector, batches  # noqa: E402
from secops.detect.pipelines import pipeline_for  # noqa: E402
from secops.detect.rules import load_rules  # noqa: E402


def build_base(workdir: Path) -> Path:
    """EVTX samples plus generated Winlogbeat events, as ECS NDJSON."""
    out = workdir / "base.ndjson"
    secops = [sys.executable, "-m", "secops"]
    with out.open("wb") as fh:
        samples = sorted(map(str, (SHARED / "endpoint" / "evtx").rglob("*.evtx")))  # not the READMEs beside them
        subprocess.run([*secops, "parse", "-f", "evtx", *samples], stdout=fh, check=True)
        gen = workdir / "gen"
        generate = [*secops, "generate", "-o", str(gen), "-n", "200000", "--seed", "3"]
        subprocess.run(generate, check=True, capture_output=True)
        for name in sorted(gen.glob("*")):
            if name.name != "manifest.json":
                subprocess.run([*secops, "parse", str(name)], stdout=fh, stderr=subprocess.DEVNULL, check=True)
    return out


def replay(base: Path, count: int) -> Iterator[dict[str, Any]]:
    """``count`` events, cycling through the base file; each replay gets its own ids."""
    produced, cycle = 0, 0
    while produced < count:
        with base.open("rb") as fh:
            for line in fh:
                event = orjson.loads(line)
                if cycle:
                    ecs.put(event, "event.id", f"{ecs.get(event, 'event.id')}-{cycle}")
                yield event
                produced += 1
                if produced >= count:
                    return
        cycle += 1


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def native(base: Path, count: int, rule_paths: list[Path], batch: int) -> dict[str, float]:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="secops-bench-cache-") as cache:
        detector = Detector.load(rule_paths, cache_dir=Path(cache))
        compile_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        Detector.load(rule_paths, cache_dir=Path(cache))
        cached_s = time.perf_counter() - t1
    wall = cpu = 0.0
    alerts = 0
    decode = time.perf_counter()
    for chunk in batches(replay(base, count), batch):
        w, c = time.perf_counter(), time.process_time()
        detector.process_batch(chunk)
        alerts += len(detector.take())
        wall += time.perf_counter() - w
        cpu += time.process_time() - c
    total = time.perf_counter() - decode
    alerts += len(detector.finish())
    return {
        "rules": len(detector.rules),
        "problems": len(detector.problems),
        "compile_s": compile_s,
        "cached_s": cached_s,
        "events": detector.events,
        "matches": detector.matches,
        "alerts": alerts,
        "eps_wall": detector.events / wall,
        "eps_cpu": detector.events / cpu,
        "eps_with_decode": detector.events / total,
        "peak_mb": peak_mb(),
    }


def _regexp(pattern: str, value: Any) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None


def sqlite_approach(base: Path, count: int, rule_paths: list[Path]) -> dict[str, float]:
    from sigma.backends.sqlite import sqliteBackend
    from sigma.exceptions import SigmaError

    t0 = time.perf_counter()
    ruleset = load_rules(rule_paths)
    queries = []
    for rule in ruleset.rules:
        try:
            converted = sqliteBackend(processing_pipeline=pipeline_for(rule)).convert_rule(copy.deepcopy(rule))
        except (SigmaError, NotImplementedError, TypeError, ValueError):
            continue
        queries.extend(converted)
    convert_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    rows = [ecs.flatten(e) for e in replay(base, count)]
    fields = set(re.findall(r"`([\w@.\-]+)`", " ".join(queries)))
    columns = sorted({k.lower() for r in rows for k in r} | {f.lower() for f in fields})  # SQLite: case-blind names
    db = sqlite3.connect(":memory:")
    db.create_function("REGEXP", 2, _regexp, deterministic=True)
    db.execute("CREATE TABLE logs (" + ", ".join(f'"{c}" TEXT COLLATE NOCASE' for c in columns) + ")")
    index = {c: i for i, c in enumerate(columns)}
    marks = ", ".join("?" * len(columns))
    for flat in rows:
        row: list[Any] = [None] * len(columns)
        for k, v in flat.items():
            row[index[k.lower()]] = v if v is None or isinstance(v, str) else orjson.dumps(v).decode()
        db.execute(f"INSERT INTO logs VALUES ({marks})", row)
    del rows
    load_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    hits = failed = 0
    for sql in queries:
        while True:
            try:
                hits += len(db.execute(sql).fetchall())
                break
            except sqlite3.OperationalError as exc:
                missing = re.search(r"no such column: (\S+)", str(exc))
                if missing is None:
                    failed += 1
                    break
                db.execute(f'ALTER TABLE logs ADD COLUMN "{missing[1]}" TEXT COLLATE NOCASE')
    query_s = time.perf_counter() - t2
    return {
        "queries": len(queries),
        "failed": failed,
        "convert_s": convert_s,
        "events": count,
        "matches": hits,
        "load_s": load_s,
        "query_s": query_s,
        "eps": count / (load_s + query_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sqlite-events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=BATCH, help="events per batch handed to the engine")
    parser.add_argument("--base", type=Path, help="ECS NDJSON to replay (default: EVTX samples + generated logs)")
    parser.add_argument("--rules", type=Path, action="append", help="Rule folders (default: all SigmaHQ folders)")
    args = parser.parse_args()
    tune_gc()  # the process setting the secops command runs with
    rule_paths = args.rules or [SHARED / "sigma" / f for f in FOLDERS if (SHARED / "sigma" / f).is_dir()]
    with tempfile.TemporaryDirectory(prefix="secops-bench-detect-") as tmp:
        base = args.base or build_base(Path(tmp))
        ours = native(base, args.events, rule_paths, args.batch)
        print(
            f"native: {ours['rules']} rules ({ours['problems']} not usable), compiled in {ours['compile_s']:.1f}s "
            f"(from the cache {ours['cached_s']:.1f}s); "
            f"{ours['events']:,} events, {ours['matches']:,} matches, {ours['alerts']:,} alerts"
        )
        print(
            f"native: {ours['eps_cpu']:,.0f} events/s per CPU-second, {ours['eps_wall']:,.0f} events/s wall "
            f"(detection only); {ours['eps_with_decode']:,.0f} events/s with JSON decoding; "
            f"peak {ours['peak_mb']:.0f} MB"
        )
        theirs = sqlite_approach(base, args.sqlite_events, rule_paths)
        print(
            f"sqlite (Zircolite approach): {theirs['queries']} queries ({theirs['failed']} refused by SQLite) "
            f"converted in {theirs['convert_s']:.1f}s; "
            f"{theirs['events']:,} events loaded in {theirs['load_s']:.1f}s, queried in {theirs['query_s']:.1f}s "
            f"= {theirs['eps']:,.0f} events/s, {theirs['matches']:,} matches"
        )
        ratio = ours["eps_wall"] / theirs["eps"]
        print(f"ratio native/sqlite: {ratio:.1f}x (targets: >= 50,000 events/s per core, >= 10x)")


if __name__ == "__main__":
    main()
