"""``secops demo``: the whole pipeline on the last day of a simulated agency.

Generate raw logs (``secops generate``), ingest every file with its parser
into a fresh embedded store, run the Sigma detections by ingest order, group
the alerts into incidents, and summarise what an analyst would look at first.

The demo fills the data directory itself, so that ``secops alerts list`` and
the rest of the tour work right after it. It never touches real data: it runs
only in an empty directory or in one it made, and it refuses to replace its
own if anything was stored there after it (the marker records how far it went).
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from secops.cases.grouping import group_alerts
from secops.cases.models import Alert, Entities
from secops.cases.suppress import new_suppression
from secops.config import Config
from secops.detect.jobs import run_once
from secops.detect.rules import sigma_paths
from secops.errors import UsageError
from secops.generate import generate
from secops.ingest import ingest_files
from secops.inputs import expand
from secops.pipeline import Stats
from secops.registry import ParseContext
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EVENTS_DIR, EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from secops.types import Severity

MARKER = ".secops-demo"
"""Written by the demo: the last batch it stored. A directory whose store went further holds real data."""
RAW = "demo-logs"
DEMO_ACTOR = "secops-demo"
DNS_BYPASS_RULE = "0e1420db-bd8b-5fdf-bb9f-ca3d2f76291c"
"""``rules/sigma/perimeter/fw_outbound_dns_bypass.yml``: the simulated agency's resolvers forward to public
DNS, which that rule reports as a bypass about 1,500 times a day. An agency makes an exception for its
resolvers; so does the demo, the way an analyst would (``secops alerts suppressions`` lists it)."""

Step = Callable[[str], None]


@dataclass
class DemoReport:
    """What the demo did and found, for the triage summary."""

    root: Path
    records: int = 0
    stored: int = 0
    parse_failures: int = 0
    rules_problems: int = 0
    suppressed: int = 0
    alerts: list[Alert] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def by_severity(self) -> list[tuple[Severity, int]]:
        counts = Counter(a.severity for a in self.alerts)
        return [(s, counts[s]) for s in sorted(Severity, key=lambda s: -s.rank) if counts[s]]

    def top(self, kind: str, size: int = 5) -> list[tuple[str, int]]:
        counts: Counter[str] = Counter()
        for alert in self.alerts:
            counts.update(set(getattr(alert.entities, kind)))
        return counts.most_common(size)

    def top_rules(self, size: int = 5) -> list[tuple[str, int]]:
        return Counter(a.rule.name for a in self.alerts).most_common(size)


def _last_batch(root: Path) -> int:
    """The newest batch in a data directory's catalog (0 when there is none)."""
    if not (root / STATE_DB).exists():
        return 0
    store = EmbeddedEventStore(root)
    try:
        return store.catalog.safe_seq()
    finally:
        store.close()


def _has_rows(db: Path) -> bool:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() for table in tables)


def _holds_data(root: Path) -> bool:
    """False for an empty directory, or one holding only the empty store that any read command creates."""
    for entry in root.iterdir():
        if entry.name == EVENTS_DIR and entry.is_dir():
            if any(entry.iterdir()):
                return True
        elif entry.name == STATE_DB:
            if _has_rows(entry):
                return True
        elif not entry.name.startswith(f"{STATE_DB}-"):  # SQLite's -wal and -shm files
            return True
    return False


def prepare(root: Path) -> None:
    """Start from an empty directory; replace only an untouched earlier demo."""
    if root.exists() and _holds_data(root):
        marker = root / MARKER
        if not marker.exists():
            raise UsageError("the data directory holds data the demo did not make; use --data-dir", where=str(root))
        if int(marker.read_text().split()[0] or 0) != _last_batch(root):
            raise UsageError("events were stored here after the demo; use another --data-dir", where=str(root))
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("0 (secops demo: incomplete)\n")


def run_demo(root: Path, config: Config, *, events: int, seed: int, step: Step) -> DemoReport:
    """Generate, ingest, detect, group; returns what was found."""
    prepare(root)
    report = DemoReport(root=root)
    raw = root / RAW
    start = (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)

    clock = time.monotonic()
    step(f"generating {events:,} log records of a simulated agency day")
    generated = generate(raw, events=events, seed=seed, start=start, days=1.0)
    report.records = generated.records
    report.timings["generate"] = time.monotonic() - clock

    events_store = EmbeddedEventStore(root)
    cases = SqliteCaseStore(root / STATE_DB)
    try:
        clock = time.monotonic()
        stats = Stats()
        ctx = ParseContext(timezone=UTC)
        for fmt, info in sorted(generated.manifest["files"].items()):
            step(f"ingesting {info['records']:,} {fmt} records")
            result = ingest_files(expand([raw / info["path"]]), fmt, ctx, events_store, cases, stats)
            report.stored += result.stored
        report.parse_failures = stats.failures
        report.timings["ingest"] = time.monotonic() - clock

        resolvers = sorted({site["resolver"] for site in generated.manifest["network"]["sites"]})
        step(f"adding the exception for the agency's {len(resolvers)} DNS resolvers")
        _resolver_exception(cases, resolvers)

        clock = time.monotonic()
        step("running the Sigma detections over everything ingested")
        detection = run_once(events_store, cases, sigma_paths(config.rules), root, config=config.detect)
        report.rules_problems = len(detection.problems)
        report.suppressed = detection.suppressed
        report.timings["detect"] = time.monotonic() - clock

        step("grouping alerts that share hosts, users or addresses into incidents")
        grouped = group_alerts(cases, config.incidents, actor=DEMO_ACTOR)
        report.incidents = [incident.id for incident in grouped.created]
        report.alerts = cases.alerts()
        (root / MARKER).write_text(f"{events_store.catalog.safe_seq()} (secops demo)\n")
    finally:
        events_store.close()
        cases.close()
    return report


def _resolver_exception(cases: SqliteCaseStore, resolvers: list[str]) -> None:
    """The suppression of the DNS-bypass rule for the agency's own resolvers (audited like any other)."""
    suppression = new_suppression(
        DNS_BYPASS_RULE,
        Entities(ips=resolvers),
        rule_name="DNS Sent Directly To An External Resolver",
        reason="the agency resolvers forward to public DNS by design",
        actor=DEMO_ACTOR,
    )
    cases.add_suppression(suppression, actor=DEMO_ACTOR)
