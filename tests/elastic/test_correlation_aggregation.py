"""Correlations whose base rules only feed them are aggregated in the cluster before events are fetched.

A port scan (value_count of destination ports per source IP) over a quiet
"connection denied" rule and password guessing (event_count per user name)
over a quiet "login failed" rule, on a synthetic corpus with many groups that
cannot fire. Checked against the embedded engine (same alerts, also across
two scheduled runs whose window straddles them) and against what the
pruning must fetch, computed here from the corpus itself.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secops.detect.detector import Detector
from secops.detect.jobs import run_once
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.elastic import ElasticEventStore
from secops.store.elastic_detect import run_since
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from tests.es_node import store_client

pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow, pytest.mark.timeout(900)]

DENIED = "a0000000-0000-4000-8000-000000000001"
FAILED = "a0000000-0000-4000-8000-000000000002"
SCAN = "a0000000-0000-4000-8000-000000000003"
GUESS = "a0000000-0000-4000-8000-000000000004"
SCAN_SPAN, SCAN_PORTS = 300, 10
GUESS_SPAN, GUESS_TRIES = 600, 5

RULES = f"""\
title: Connection denied
id: {DENIED}
name: denied
taxonomy: ecs
logsource: {{product: test}}
detection:
    s: {{event.action: deny}}
    condition: s
---
title: Login failed
id: {FAILED}
name: failed
taxonomy: ecs
logsource: {{product: test}}
detection:
    s: {{event.outcome: failure}}
    condition: s
---
title: Port scan
id: {SCAN}
level: high
correlation:
    type: value_count
    rules: [denied]
    group-by: [source.ip]
    timespan: {SCAN_SPAN}s
    condition: {{gte: {SCAN_PORTS}, field: destination.port}}
---
title: Password guessing
id: {GUESS}
level: medium
correlation:
    type: event_count
    rules: [failed]
    group-by: [user.name]
    timespan: {GUESS_SPAN}s
    condition: {{gte: {GUESS_TRIES}}}
"""

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
LONG_NAME = "n" * 1100
"""Over the keyword ``ignore_above``: the index does not take it, Python groups by it."""


def _at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Corpus:
    """Events in ingest order, with numbered ids."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def denied(self, seconds: float, ip: str, port: int, action: str = "deny") -> None:
        self.events.append(
            {
                "@timestamp": _at(seconds),
                "event": {"id": f"d{len(self.events):06d}", "action": action, "dataset": "test.fw", "kind": "event"},
                "source": {"ip": ip},
                "destination": {"ip": "192.0.2.10", "port": port},
            }
        )

    def login(self, seconds: float, user: str | None, outcome: str = "failure") -> None:
        event: dict = {
            "@timestamp": _at(seconds),
            "event": {"id": f"l{len(self.events):06d}", "outcome": outcome, "dataset": "test.auth", "kind": "event"},
        }
        if user is not None:
            event["user"] = {"name": user}
        self.events.append(event)


def _corpus(seed: int = 8) -> Corpus:
    rnd = random.Random(seed)
    c = Corpus()
    for host in range(300):  # background: a few denials each, over two hours
        for _ in range(rnd.randint(1, 4)):
            c.denied(rnd.uniform(0, 7200), f"10.1.{host // 200}.{host % 200}", rnd.randint(1, 65535))
    for n, start in enumerate((600, 3000, 6000)):  # scanners: 15 ports in two minutes
        for port in range(15):
            c.denied(start + port * 8, f"198.51.100.{n + 1}", 20 + port)
    for port in range(12):  # slow scanner: 12 ports, one per ten minutes (candidate, never fires)
        c.denied(120 + port * 600, "198.51.100.9", 1000 + port)
    for _ in range(40):  # many denials to one port: many events, one value
        c.denied(rnd.uniform(1200, 1260), "203.0.113.5", 443)
    for _ in range(200):
        c.denied(rnd.uniform(0, 7200), "10.9.0.1", rnd.randint(1, 65535), action="allow")
    for user in range(60):  # background failures
        for _ in range(rnd.randint(1, 3)):
            c.login(rnd.uniform(0, 7200), f"user{user}")
    for n in range(6):  # one user under two spellings: three and three, five minutes
        c.login(1800 + n * 50, "Alice" if n % 2 else "alice")
    for n in range(6):  # spread over two hours: candidate, never fires
        c.login(n * 1300, "bob")
    for n in range(6):  # no user name at all: Python's group ""
        c.login(4000 + n * 10, None)
    for n in range(2):  # names the index ignores, early in the window
        c.login(100 + n, LONG_NAME)
    for _ in range(100):
        c.login(rnd.uniform(0, 7200), "carol", outcome="success")
    rnd.shuffle(c.events)  # ingest order is not time order
    return c


def _seconds(event: dict) -> float:
    return datetime.fromisoformat(event["@timestamp"].replace("Z", "+00:00")).timestamp()


def _must_fetch(events: list[dict], key, value, span: float, threshold: int) -> set[str]:
    """Events of groups whose whole-window measure meets the threshold, plus the last timespan, plus ignored names."""
    groups: dict[str, set] = {}
    for event in events:
        groups.setdefault(key(event), set()).add(value(event))
    newest = max(_seconds(e) for e in events)
    return {
        e["event"]["id"]
        for e in events
        if len(groups[key(e)]) >= threshold or _seconds(e) >= newest - span or key(e) == LONG_NAME.lower()
    }


def _summary(cases: SqliteCaseStore) -> dict[str, tuple[str, list[str]]]:
    return {a.dedup_key: (a.rule.id, sorted(e.id for e in a.events)) for a in cases.alerts()}


def _rule_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    return path


def _elastic(es_url: str, es_prefix: str, data_dir: Path) -> ElasticEventStore:
    return ElasticEventStore(store_client(es_url, timeout=300), data_dir, prefix=es_prefix, read_lag=0)


def test_aggregation_fetches_only_groups_that_can_fire(es_url: str, es_prefix: str, tmp_path: Path) -> None:
    corpus = _corpus()
    store = _elastic(es_url, es_prefix, tmp_path)
    store.write([dict(e) for e in corpus.events])
    store.refresh()
    detector = Detector.load([_rule_file(tmp_path)], need_rules=True)
    assert detector.problems == []
    result = run_since(store, detector.rules, None, correlator=detector.correlator, allow_scan=False)

    denials = [e for e in corpus.events if e["event"].get("action") == "deny"]
    failures = [e for e in corpus.events if e["event"].get("outcome") == "failure"]
    scan = _must_fetch(denials, lambda e: e["source"]["ip"], lambda e: e["destination"]["port"], SCAN_SPAN, 10)
    guess = _must_fetch(
        failures, lambda e: e.get("user", {}).get("name", "").lower(), lambda e: e["event"]["id"], GUESS_SPAN, 5
    )
    assert {e["event"]["id"] for e in result.matches[DENIED]} == scan
    assert {e["event"]["id"] for e in result.matches[FAILED]} == guess

    by_id = {p.correlation: p for p in result.correlations}
    assert set(by_id) == {SCAN, GUESS}
    assert by_id[SCAN].matches == len(denials) and by_id[GUESS].matches == len(failures)
    assert by_id[SCAN].candidates == 4  # three scanners and the slow one; not the 40-to-one-port host
    assert by_id[GUESS].candidates == 3  # alice (two spellings merged), bob, no name
    assert by_id[SCAN].fetched == len(scan) < len(denials) / 3
    assert by_id[GUESS].fetched == len(guess) < len(failures) / 2
    assert not by_id[SCAN].whole and not by_id[GUESS].whole
    store.close()


def test_alerts_equal_the_embedded_run(es_url: str, es_prefix: str, tmp_path: Path) -> None:
    corpus = _corpus(seed=21)
    rules = [_rule_file(tmp_path)]
    native_dir, pushed_dir = tmp_path / "embedded", tmp_path / "elastic"
    embedded = EmbeddedEventStore(native_dir)
    embedded.write([dict(e) for e in corpus.events])
    native_cases = SqliteCaseStore(native_dir / STATE_DB)
    run_once(embedded, native_cases, rules, native_dir)

    elastic = _elastic(es_url, es_prefix, pushed_dir)
    elastic.write([dict(e) for e in corpus.events])
    elastic.refresh()
    pushed_cases = SqliteCaseStore(pushed_dir / STATE_DB)
    run_once(elastic, pushed_cases, rules, pushed_dir)

    expected = _summary(native_cases)
    assert _summary(pushed_cases) == expected
    groups = {(a.rule.id, tuple(a.details["group"].values())) for a in native_cases.alerts()}
    assert groups == {
        (SCAN, ("198.51.100.1",)),
        (SCAN, ("198.51.100.2",)),
        (SCAN, ("198.51.100.3",)),
        (GUESS, ("alice",)),
        (GUESS, ("",)),
    }
    for store in (embedded, native_cases, elastic, pushed_cases):
        store.close()


def _straddling_runs() -> tuple[list[dict], list[dict]]:
    """A scan whose first six ports end run one and whose last five open run two, then later noise."""
    first, second = Corpus(), Corpus()
    for host in range(50):
        first.denied(host * 10, f"10.2.0.{host}", 80)
    for port in range(6):
        first.denied(1000 + port * 10, "198.51.100.7", 100 + port)
    for port in range(5):
        second.denied(1090 + port * 10, "198.51.100.7", 200 + port)
    for host in range(50):  # twenty minutes later: the scan's own events are outside run two's tail
        second.denied(2400 + host * 10, f"10.3.0.{host}", 80)
    for n, event in enumerate(second.events):
        event["event"]["id"] = f"s{n:06d}"
    return first.events, second.events


def test_a_window_open_across_runs_still_fires(es_url: str, es_prefix: str, tmp_path: Path) -> None:
    first, second = _straddling_runs()
    rules = [_rule_file(tmp_path)]
    native_dir, pushed_dir = tmp_path / "embedded", tmp_path / "elastic"
    embedded = EmbeddedEventStore(native_dir)
    native_cases = SqliteCaseStore(native_dir / STATE_DB)
    elastic = _elastic(es_url, es_prefix, pushed_dir)
    pushed_cases = SqliteCaseStore(pushed_dir / STATE_DB)
    for batch in (first, second):
        embedded.write([dict(e) for e in batch])
        run_once(embedded, native_cases, rules, native_dir)
        elastic.write([dict(e) for e in batch])
        elastic.refresh()
        run_once(elastic, pushed_cases, rules, pushed_dir)
        assert _summary(pushed_cases) == _summary(native_cases)

    [alert] = pushed_cases.alerts()
    assert alert.rule.id == SCAN and alert.details["group"] == {"source.ip": "198.51.100.7"}
    # Fires at the tenth port: six carried from run one, four of run two.
    assert sorted(e.id for e in alert.events) == [
        *(f"d{n:06d}" for n in range(50, 56)),
        *(f"s{n:06d}" for n in range(4)),
    ]
    for store in (embedded, native_cases, elastic, pushed_cases):
        store.close()
