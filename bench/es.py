"""Ingest into Elasticsearch: ``secops collect`` against a raw ``_bulk`` of the same documents.

Both runs write to the same node, under the same index template, with the
same batch size. The peer is the floor of what any client can do: the very
documents ``secops collect`` stores, serialised to NDJSON beforehand and
posted over one keep-alive connection. The figure is
``collect docs/s ÷ raw docs/s`` (target ≥ 0.85), best of ``--rounds``
alternated runs of each, as the node's pace drifts from one run to the next. ``collect`` pays for
reading and parsing the logs too, on the same cores as the node.

Then a port-scan correlation over a quiet "connection denied" rule runs over
the collected events twice: fetching every match (the path without
aggregations) and aggregating in the node first; it prints how many of the
rule's matches each fetched, and the seconds.

    .venv/bin/python bench/es.py [--events 200000] [--batch 5000] [--rounds 2] [--url http://127.0.0.1:9200]

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
from urllib.parse import urlsplit

import orjson
from elasticsearch import Elasticsearch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from secops.store import elastic_layout as layout  # noqa: E402

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

    rules = work / "port-scan.yml"
    rules.write_text(PORT_SCAN)
    store = ElasticEventStore(Elasticsearch(url, request_timeout=600), work / "correlate", prefix=prefix, read_lag=0)
    detector = Detector.load([rules], need_rules=True)
    for label, correlator in (("every match fetched", None), ("aggregated first", detector.correlator)):
        started = time.perf_counter()
        result = run_since(store, detector.rules, None, correlator=correlator)
        seconds = time.perf_counter() - started
        fetched = len(result.matches.get("b0000000-0000-4000-8000-000000000001", []))
        print(f"port scan, {label}: fetched {fetched:,} denied connections in {seconds:.1f} s", end="")
        for p in result.correlations:
            print(f" (of {p.matches:,} matches; {p.candidates:,} of {p.groups:,} source IPs can fire)", end="")
        print()
    store.close()


@contextmanager
def node_url(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from tests.es_node import start_node

    yield from (n.url for n in start_node(heap="1g"))


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
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="secops-bench-es-"))
    logs = work / "logs"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECOPS_")}
    secops(["generate", "-o", str(logs), "-n", str(args.events), "--workers", "1"], env)
    files = sorted(p for p in logs.rglob("*") if p.is_file() and p.name != "manifest.json")

    with node_url(args.url) as url:
        client = Elasticsearch(url, request_timeout=300)
        # The documents collect will store (parsing is not timed here): the raw run's bodies.
        events = [orjson.loads(line) for line in secops(["parse", *map(str, files)], env).stdout.splitlines()]
        raw_rates, collect_rates = [], []
        for turn in range(args.rounds):  # alternated, best of each: the node's own pace drifts between runs
            tag = f"{os.getpid()}-{turn}"
            collect_prefix, raw_prefix = f"bench-collect-{tag}", f"bench-raw-{tag}"
            for prefix in (collect_prefix, raw_prefix):
                layout.setup(client, prefix)
                # Daily indices made beforehand, so neither run pays for index creation alone.
                for index in sorted({layout.event_index(prefix, e) for e in events}):
                    client.indices.create(index=index)
            raw_seconds = raw_bulk(url, payloads(events, raw_prefix, args.batch))
            raw_rates.append(count(client, raw_prefix) / raw_seconds)
            collect_env = dict(
                env,
                SECOPS_STORE="elasticsearch",
                SECOPS_ES_URL=url,
                SECOPS_ES_INDEX_PREFIX=collect_prefix,
                SECOPS_DATA_DIR=str(work / f"data-{turn}"),
            )
            started = time.perf_counter()
            secops(["collect", "file", *map(str, files), "--batch-size", str(args.batch)], collect_env)
            collect_rates.append(count(client, collect_prefix) / (time.perf_counter() - started))
            print(
                f"round {turn + 1}: raw _bulk {raw_rates[-1]:,.0f} docs/s, "
                f"secops collect {collect_rates[-1]:,.0f} docs/s"
            )
            if turn == args.rounds - 1:
                correlation_fetch(url, collect_prefix, work)
            client.indices.delete(index=f"{collect_prefix}-*,{raw_prefix}-*")
            for prefix in (collect_prefix, raw_prefix):
                client.indices.delete_index_template(name=f"{prefix}-events")
        client.close()

    raw_rate, collect_rate = max(raw_rates), max(collect_rates)
    print(f"events in {len(files)} files: {len(events):,} (batch {args.batch:,}), best of {args.rounds} rounds")
    print(f"raw _bulk, pre-serialised NDJSON: {raw_rate:,.0f} docs/s")
    print(f"secops collect (read, parse, bulk): {collect_rate:,.0f} docs/s")
    print(f"ratio collect / raw: {collect_rate / raw_rate:.2f} (target >= 0.85)")


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
