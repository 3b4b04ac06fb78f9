"""Embedded store benchmark: write rate with one writer, filtered counts over many events.

    python bench/store.py [--events 10000000] [--batch 20000] [--dir DIR]

Prints events/s for writing pre-built ECS events (event construction is not
timed), the latency of a promoted-field filter plus a time range, of a
non-promoted (JSON) field filter, and the writer's peak resident memory.
Targets (DEVELOPERS.md / issue 2): ≥ 100,000 events/s, < 1 s, < 500 MB.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from secops.cli import tune_gc
from secops.query import And, Match
from secops.store.base import Window
from secops.store.embedded import EmbeddedEventStore

START = datetime(2026, 10, 1, tzinfo=UTC)
USERS = [f"user{i:03d}" for i in range(400)]
HOSTS = [f"ws-{i:04d}" for i in range(2000)]


def batch(rng: random.Random, first: int, size: int, span: timedelta, total: int) -> list[dict]:
    """Firewall- and auth-like ECS events spread over ``span``."""
    events = []
    step = span / total
    for n in range(first, first + size):
        moment = START + step * n
        src = f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}"
        events.append(
            {
                "@timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "event": {
                    "id": f"{n:016x}",
                    "kind": "event",
                    "category": ["network"],
                    "type": ["connection", "denied" if n % 5 == 0 else "allowed"],
                    "dataset": "cisco_asa.log",
                    "module": "cisco_asa",
                    "action": "firewall-rule",
                    "outcome": "failure" if n % 5 == 0 else "success",
                    "original": f"<166>%ASA-6-302013: Built outbound TCP connection {n} for outside:{src}/443",
                },
                "source": {"ip": src, "port": 1024 + n % 60000},
                "destination": {"ip": f"192.0.2.{n % 200}", "port": rng.choice((53, 80, 443, 22, 3389))},
                "network": {"transport": "tcp"},
                "host": {"name": rng.choice(HOSTS)},
                "user": {"name": rng.choice(USERS)},
                "observer": {"vendor": "Cisco", "product": "ASA"},
                "cisco": {"asa": {"message_id": "302013", "connection_id": str(n)}},
                "log": {"file": {"path": "/var/log/asa.log"}, "offset": n * 160},
                "ecs": {"version": "9.4.0"},
            }
        )
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    tune_gc()  # the process setting the secops command runs with

    root = args.dir or Path(tempfile.mkdtemp(prefix="secops-bench-store-"))
    store = EmbeddedEventStore(root)
    rng = random.Random(7)
    span = timedelta(days=30)
    written, spent = 0, 0.0
    while written < args.events:
        size = min(args.batch, args.events - written)
        events = batch(rng, written, size, span, args.events)
        started = time.perf_counter()
        store.write(events)
        spent += time.perf_counter() - started
        written += size
        # Release the batch before building the next, as the ingest pipeline does: holding
        # two batches scatters each new one across the old one's freed memory, and reading
        # events then slows by half within a hundred batches.
        del events
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"write: {written:,} events in {spent:.1f} s = {written / spent:,.0f} events/s (one writer)")
    print(f"write: peak resident memory {peak_mb:,.0f} MB")

    day = Window(START + timedelta(days=12), START + timedelta(days=13))
    queries = {
        "promoted field + 24 h": (And((Match("user.name", "user042"), Match("event.outcome", "failure"))), day),
        "promoted field, all time": (Match("source.ip", "10.1.2.3"), Window()),
        "JSON field + 24 h": (Match("cisco.asa.message_id", "302013"), day),
    }
    reader = EmbeddedEventStore(root)
    for label, (query, window) in queries.items():
        reader.count(query, window)  # first call opens DuckDB; time the steady state too
        started = time.perf_counter()
        hits = reader.count(query, window)
        elapsed = time.perf_counter() - started
        print(f"count: {label}: {hits:,} of {written:,} events in {elapsed * 1000:,.0f} ms")
    info = reader.info()
    print(f"store: {info['segments']} segments, {info['bytes'] / 1e6:,.0f} MB on disk")
    if args.dir is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
