"""Ingest into Elasticsearch: ``secops collect`` against a raw ``_bulk`` of the same documents.

Both runs write to the same node, under the same index template, with the
same batch size. The peer is the floor of what any client can do: the very
documents ``secops collect`` stores, serialised to NDJSON beforehand and
posted one request at a time over one keep-alive connection (collect keeps
``es.bulk_requests``, 2 by default, in flight: that is part of the client
measured, and the figure says so). The figure is
``collect docs/s ÷ raw docs/s`` (target ≥ 0.85), best of ``--rounds``
alternated runs of each, as the node's pace drifts from one run to the next;
each round's own ratio is printed too, with their median and how many reach
the target, since the two best runs may come from different rounds.
``collect`` pays for reading and parsing the logs too, and for starting
the command (its imports and first batch). Each run is timed to its end (the
command's exit, the raw loop's last answer); the refresh and count that check
every document arrived come after, untimed for both. A fresh node's own
rate climbs for several runs while its JIT warms up (4,000 to 10,500 docs/s
over six identical raw runs, measured), so ``--warmup`` raw runs go first
and are not counted.

Both are measured twice, with the node placed two ways (when this run starts
the node): on the same cores as the client, where the client's parsing takes
CPU the node would use, and on a core of its own with the client on the
others, as when the cluster runs on its own machines.

Then a port-scan correlation over a quiet "connection denied" rule runs over
the collected events twice: fetching every match (the path without
aggregations) and aggregating in the node first; it prints how many of the
rule's matches each fetched, and the seconds.

    .venv/bin/python bench/es.py [--events 200000] [--batch 5000] [--rounds 2] [--warmup 3] [--url URL]

Without ``--url`` it starts its own node from ``scripts/fetch-elasticsearch``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit

import orjson
from elasticsearch import Elasticsearch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from secops.config import BULK_REQUESTS  # noqa: E402  (collect's here: its environment sets no other SECOPS_)
from secops.store import elastic_layout as layout  # noqa: E402

TARGET = 0.85
Rates = tuple[float, float, list[float]]
"""A placement's best raw and best collect rates, and each round's own collect ÷ raw ratio."""

PORT_SCAN = """\
title: Connection denied
id: b0000000-0000-4000-8000-000000000001
name: denied
taxonomy: ecs
logsource: {product: firewall}
detection:
    s: {event.type: denied}
    condition: s
---
title: Port scan
id: b0000000-0000-4000-8000-000000000002
correlation:
    type: value_count
    rules: [denied]
    group-by: [source.ip]
    timespan: 5m
    condition: {gte: 10, field: destination.port}
"""


def correlation_fetch(url: str, prefix: str, work: Path) -> None:
    """Matches of the port scan's base rule fetched from the node, without and with aggregating first."""
    from secops.detect.detector import Detector
    from secops.store.elastic import ElasticEventStore
    from secops.store.elastic_detect import run_since
    from tests.es_node import store_client

    rules = work / "port-scan.yml"
    rules.write_text(PORT_SCAN)
    store = ElasticEventStore(store_client(url, timeout=600), work / "correlate", prefix=prefix, read_lag=0)
    detector = Detector.load([rules], need_rules=True)
    for label, correlator in (("every match fetched", None), ("aggregated first", detector.correlator)):
        started = time.perf_counter()
        result = run_since(store, detector.rules, None, correlator=correlator, allow_scan=False)
        seconds = time.perf_counter() - started
        fetched = len(result.matches.get("b0000000-0000-4000-8000-000000000001", []))
        print(f"port scan, {label}: fetched {fetched:,} denied connections in {seconds:.1f} s", end="")
        for p in result.correlations:
            print(f" (of {p.matches:,} matches; {p.candidates:,} of {p.groups:,} source IPs can fire)", end="")
        print()
    store.close()


@contextmanager
def node(url: str | None) -> Iterator[tuple[str, int | None]]:
    """The node's URL, and its process group when this run started it (so it can be placed on cores)."""
    if url:
        yield url, None
        return
    from tests.es_node import start_node

    for started in start_node(heap="1g"):
        assert started.process is not None
        yield started.url, started.process.pid


CORES = sorted(os.sched_getaffinity(0))


def place(group: int, separate: bool) -> None:
    """Give the node and this process (and what it starts) their cores: all shared, or split apart.

    Split, the node keeps the last core and the client side the others, as
    when the cluster runs on machines of its own: the client's parsing then
    no longer takes cores from the node, and the ratio measures what the
    client does to the node's rate rather than how two programs share a CPU.
    """
    node_cores = {CORES[-1]} if separate else set(CORES)
    os.sched_setaffinity(0, set(CORES[:-1]) if separate else set(CORES))
    for pid in (int(p) for p in os.listdir("/proc") if p.isdecimal()):
        try:
            if os.getpgid(pid) == group:
                for thread in os.listdir(f"/proc/{pid}/task"):
                    os.sched_setaffinity(int(thread), node_cores)
        except (ProcessLookupError, FileNotFoundError):
            continue


def secops(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "secops", *args], env=env, capture_output=True, check=True)


def count(client: Elasticsearch, prefix: str) -> int:
    client.indices.refresh(index=f"{prefix}-events-*")
    return int(client.count(index=f"{prefix}-events-*")["count"])


def raw_bulk(url: str, payloads: list[bytes]) -> float:
    """Post pre-built NDJSON bodies over one connection; returns the seconds taken."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 9200, timeout=300)
    started = time.perf_counter()
    for body in payloads:
        conn.request("POST", "/_bulk?filter_path=errors", body, {"Content-Type": "application/x-ndjson"})
        answer = conn.getresponse().read()
        if orjson.loads(answer).get("errors"):
            raise SystemExit(f"raw bulk reported errors: {answer[:300]!r}")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--url", default=os.environ.get("SECOPS_TEST_ES_URL"))
    parser.add_argument("--rounds", type=int, default=2, help="raw and collect runs, alternated; best of each")
    parser.add_argument("--warmup", type=int, default=3, help="raw runs first, not counted, while the node warms up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secops-bench-es-") as tmp:  # the logs and each collect's data
        files, events, results, group = measure(args, Path(tmp))
    print(f"events in {files} files: {events:,} (batch {args.batch:,}), best of {args.rounds} rounds")
    if group is None:
        print("the node was given (--url): it could not be placed on cores of its own; shared cores only")
    for placement, (raw_rate, collect_rate, ratios) in results.items():
        print(f"{placement}: raw _bulk, pre-serialised NDJSON {raw_rate:,.0f} docs/s; ", end="")
        print(f"secops collect (read, parse, bulk; {BULK_REQUESTS} requests in flight) ", end="")
        print(f"{collect_rate:,.0f} docs/s; ", end="")
        print(f"ratio {collect_rate / raw_rate:.2f} (target >= {TARGET})")
        reached = sum(ratio >= TARGET for ratio in ratios)
        print(f"  each round's own ratio: median {median(ratios):.2f}; {reached} of {len(ratios)} rounds >= {TARGET}")


def measure(args: argparse.Namespace, work: Path) -> tuple[int, int, dict[str, Rates], int | None]:
    """Files and events generated, each placement's rates, and the node's group."""
    logs = work / "logs"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECOPS_")}
    secops(["generate", "-o", str(logs), "-n", str(args.events), "--workers", "1"], env)
    files = sorted(p for p in logs.rglob("*") if p.is_file() and p.name != "manifest.json")

    with node(args.url) as (url, group):
        client = Elasticsearch(url, request_timeout=300)
        # The documents collect will store (parsing is not timed here): the raw run's bodies.
        events = [orjson.loads(line) for line in secops(["parse", *map(str, files)], env).stdout.splitlines()]
        bench = Bench(url, client, events, files, env, work, args.batch)
        bench.warm_up(args.warmup)
        placements = ["shared cores"] if group is None or len(CORES) < 2 else PLACEMENTS
        results = {}
        for placement in placements:
            if group is not None:
                place(group, separate=placement != "shared cores")
            results[placement] = bench.best_of(args.rounds, placement)
        bench.correlation_fetch()
        client.close()

    return len(files), len(events), results, group


PLACEMENTS = ["shared cores", "node on a core of its own"]


class Bench:
    """Alternated raw and collect runs into one node, each under fresh prefixes with their indices made."""

    def __init__(
        self, url: str, client: Elasticsearch, events: list[dict], files: list[Path], env: dict, work: Path, batch: int
    ) -> None:
        self.url, self.client, self.events, self.files = url, client, events, files
        self.env, self.work, self.batch = env, work, batch
        self.turn = 0
        self.kept: str | None = None

    def warm_up(self, runs: int) -> None:
        for run in range(1, runs + 1):
            prefix = f"bench-warmup-{os.getpid()}-{run}"
            self.prepare(prefix)
            print(f"warm-up {run} (not counted): raw _bulk {self.raw_rate(prefix):,.0f} docs/s")
            self.drop(prefix)

    def prepare(self, prefix: str) -> None:
        layout.setup(self.client, prefix)
        # Daily indices made beforehand, so no run pays for index creation alone.
        for index in sorted({layout.event_index(prefix, e) for e in self.events}):
            self.client.indices.create(index=index)

    def raw_rate(self, prefix: str) -> float:
        seconds = raw_bulk(self.url, payloads(self.events, prefix, self.batch))
        return count(self.client, prefix) / seconds

    def best_of(self, rounds: int, placement: str) -> Rates:
        raw_rates, collect_rates, ratios = [], [], []
        for _ in range(rounds):  # alternated, best of each: the node's own pace drifts between runs
            self.turn += 1
            tag = f"{os.getpid()}-{self.turn}"
            collect_prefix, raw_prefix = f"bench-collect-{tag}", f"bench-raw-{tag}"
            for prefix in (collect_prefix, raw_prefix):
                self.prepare(prefix)
            raw_rates.append(self.raw_rate(raw_prefix))
            collect_env = dict(
                self.env,
                SECOPS_STORE="elasticsearch",
                SECOPS_ES_URL=self.url,
                SECOPS_ES_INDEX_PREFIX=collect_prefix,
                SECOPS_DATA_DIR=str(self.work / f"data-{self.turn}"),
            )
            started = time.perf_counter()
            secops(["collect", "file", *map(str, self.files), "--batch-size", str(self.batch)], collect_env)
            seconds = time.perf_counter() - started  # to the command's exit, as the raw run's to its last answer
            collect_rates.append(count(self.client, collect_prefix) / seconds)
            ratios.append(collect_rates[-1] / raw_rates[-1])
            print(
                f"{placement}, round {self.turn}: raw _bulk {raw_rates[-1]:,.0f} docs/s, "
                f"secops collect {collect_rates[-1]:,.0f} docs/s, this round's ratio {ratios[-1]:.2f}"
            )
            self.drop(raw_prefix)
            if self.kept:
                self.drop(self.kept)
            self.kept = collect_prefix
        return max(raw_rates), max(collect_rates), ratios

    def correlation_fetch(self) -> None:
        if self.kept:
            correlation_fetch(self.url, self.kept, self.work)
            self.drop(self.kept)

    def drop(self, prefix: str) -> None:
        self.client.indices.delete(index=f"{prefix}-*")
        self.client.indices.delete_index_template(name=f"{prefix}-events")


def payloads(events: list[dict], prefix: str, batch: int) -> list[bytes]:
    """``_bulk`` bodies of the events for one prefix, ``batch`` documents each."""
    bodies = []
    for start in range(0, len(events), batch):
        lines = []
        for event in events[start : start + batch]:
            meta = {"create": {"_index": layout.event_index(prefix, event), "_id": event["event"]["id"]}}
            lines.append(orjson.dumps(meta) + b"\n" + orjson.dumps(event) + b"\n")
        bodies.append(b"".join(lines))
    return bodies


if __name__ == "__main__":
    main()
