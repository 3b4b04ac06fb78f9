"""Triage benchmark on the embedded store: the alert queue's first page and a field-filtered hunt over 24 h.

    python bench/triage.py [--events 10000000] [--alerts 100000] [--dir DIR]

Builds the data with the store APIs (events in 20,000-event batches spread
over 30 days, alerts about the same hosts and users), unless ``--dir`` names a
directory that already holds them. Then it times, as the commands run them:

- ``alerts list`` first page: the open/acknowledged queue, newest first,
  50 alerts, plus the total count the table footer shows;
- ``hunt 'user.name:… AND event.outcome:failure' --since 24h``: 100 newest events;

each warm (median of 7 after one warm-up), in-process, and end to end as a
``secops`` process (median of 3; that includes starting Python and importing
the CLI, printed separately). Target (issue 9): < 500 ms each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from secops.cases.models import Alert, AlertStatus, Entities, MatchedEvent, RuleRef
from secops.hunt import parse
from secops.store.base import AlertFilter, Window
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from secops.types import Severity

START = datetime(2026, 10, 1, tzinfo=UTC)
SPAN = timedelta(days=30)
USERS = [f"user{i:03d}" for i in range(400)]
HOSTS = [f"ws-{i:04d}" for i in range(2000)]
RULES = [(f"rule-{i:03d}", f"Detection number {i}") for i in range(120)]
TARGET_MS = 500


def events(rng: random.Random, first: int, size: int, total: int) -> list[dict]:
    step = SPAN / total
    out = []
    for n in range(first, first + size):
        moment = START + step * n
        src = f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}"
        failed = n % 5 == 0
        out.append(
            {
                "@timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "event": {
                    "id": f"{n:016x}",
                    "kind": "event",
                    "category": ["authentication"],
                    "type": ["start"],
                    "dataset": "system.auth",
                    "module": "system",
                    "action": "ssh_login",
                    "outcome": "failure" if failed else "success",
                    "original": f"{'Failed' if failed else 'Accepted'} password from {src} port {n % 60000} ssh2",
                },
                "source": {"ip": src, "port": 1024 + n % 60000},
                "host": {"name": rng.choice(HOSTS)},
                "user": {"name": rng.choice(USERS)},
                "log": {"file": {"path": "/var/log/auth.log"}, "offset": n * 90},
                "ecs": {"version": "9.4.0"},
            }
        )
    return out


def alerts(rng: random.Random, first: int, size: int, total: int) -> list[Alert]:
    out = []
    levels = list(Severity)
    for n in range(first, first + size):
        rule_id, name = rng.choice(RULES)
        key = f"{rule_id}|{n}"
        level = levels[rng.randrange(len(levels))]
        out.append(
            Alert(
                id=Alert.make_id(key),
                dedup_key=key,
                timestamp=START + SPAN / total * n,
                rule=RuleRef(id=rule_id, name=name, author="bench", level=level),
                severity=level,
                techniques=["T1110.003"],
                tactics=["credential-access"],
                events=[MatchedEvent(id=f"{rng.randrange(10**7):016x}")],
                entities=Entities(hosts=[rng.choice(HOSTS)], users=[rng.choice(USERS)], ips=[f"10.0.0.{n % 250}"]),
                status=AlertStatus.CLOSED if n % 3 == 0 else AlertStatus.OPEN,
            )
        )
    return out


def build(root: Path, n_events: int, n_alerts: int) -> None:
    rng = random.Random(9)
    store = EmbeddedEventStore(root)
    started = time.perf_counter()
    for first in range(0, n_events, 20_000):
        store.write(events(rng, first, min(20_000, n_events - first), n_events))
    store.close()
    print(f"built: {n_events:,} events in {time.perf_counter() - started:.0f} s")
    cases = SqliteCaseStore(root / STATE_DB)
    started = time.perf_counter()
    for first in range(0, n_alerts, 5_000):
        cases.add_alerts(alerts(rng, first, min(5_000, n_alerts - first), n_alerts))
    cases.close()
    print(f"built: {n_alerts:,} alerts in {time.perf_counter() - started:.0f} s")


def timed(fn: Callable[[], object], runs: int = 7) -> float:
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def process_ms(args: list[str], runs: int = 3) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "secops", *args], check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def verdict(ms: float) -> str:
    return "ok" if ms < TARGET_MS else f"OVER the {TARGET_MS} ms target"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None, help="Reuse (or build into) this data directory.")
    args = parser.parse_args()

    root = args.dir or Path(tempfile.mkdtemp(prefix="secops-bench-triage-"))
    if not (root / STATE_DB).exists():
        build(root, args.events, args.alerts)
    events_store, cases = EmbeddedEventStore(root), SqliteCaseStore(root / STATE_DB)
    print(f"data: {events_store.count():,} events, {cases.count_alerts():,} alerts in {root}")

    queue = AlertFilter(status=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED))
    page_ms = timed(lambda: (cases.alerts(queue, limit=50), cases.count_alerts(queue)))
    queued = cases.count_alerts(queue)
    print(f"alerts list, first page (50 of {queued:,} open, with the count): {page_ms:.1f} ms  {verdict(page_ms)}")

    groups_ms = timed(lambda: cases.alert_counts(queue, "host"))
    print(f"alerts list --group-by host (open queue): {groups_ms:.1f} ms")

    last = datetime.fromisoformat(events_store.info()["last_event"].replace("Z", "+00:00"))
    day = Window(last - timedelta(hours=24), None)
    text = "user.name:user042 AND event.outcome:failure"
    query = parse(text).query
    hits = events_store.count(query, day)
    hunt_ms = timed(lambda: list(events_store.search(query, day, limit=100, newest_first=True)))
    print(f"hunt {text!r} over the last 24 h ({hits:,} hits, 100 shown): {hunt_ms:.1f} ms  {verdict(hunt_ms)}")
    events_store.close()
    cases.close()

    import_ms = process_ms(["--help"])
    since = (last - timedelta(hours=24)).isoformat()
    cli_page = process_ms(["--data-dir", str(root), "alerts", "list", "--limit", "50"])
    cli_hunt = process_ms(["--data-dir", str(root), "hunt", text, "--since", since, "--format", "ndjson"])
    print(f"process: 'secops --help' (Python start + CLI imports) {import_ms:.0f} ms")
    print(f"process: 'secops alerts list' {cli_page:.0f} ms end to end ({cli_page - import_ms:.0f} ms beyond --help)")
    print(
        f"process: 'secops hunt ... --since' {cli_hunt:.0f} ms end to end ({cli_hunt - import_ms:.0f} ms beyond --help)"
    )
    if args.dir is None:
        print(f"(data left in {root}; pass --dir {root} to reuse it)")


if __name__ == "__main__":
    main()
