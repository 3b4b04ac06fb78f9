"""The pushdown runner reads a small window spread over many indices once instead of querying every index per rule.

Both choices must give the cluster's own answer rule by rule; which one ran
depends only on the window's size against rules × indices.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.detect.detector import Detector
from secops.store.elastic import ElasticEventStore
from secops.store.elastic_detect import SCAN_PER_SEARCH, run_since
from tests.elastic.conftest import make_event

pytestmark = [pytest.mark.elasticsearch]

RULES = """\
title: HTTPS connection
id: c0000000-0000-4000-8000-000000000001
taxonomy: ecs
logsource: {product: test}
detection:
    s: {destination.port: 443}
    condition: s
---
title: Connection from a low address
id: c0000000-0000-4000-8000-000000000002
taxonomy: ecs
logsource: {product: test}
detection:
    s: {message|endswith: ['1 built', '2 built']}
    condition: s
---
title: Never seen
id: c0000000-0000-4000-8000-000000000003
taxonomy: ecs
logsource: {product: test}
detection:
    s: {destination.port: 22}
    condition: s
"""


def _ids(matches: dict[str, list[dict]]) -> dict[str, list[str]]:
    return {rule: [e["event"]["id"] for e in events] for rule, events in matches.items()}


def _store(event_store: ElasticEventStore, events: list[dict]) -> ElasticEventStore:
    assert event_store.write(events) == len(events)
    event_store.refresh()
    return event_store


def _detector(tmp_path: Path) -> Detector:
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    detector = Detector.load([path], need_rules=True)
    assert detector.problems == [] and len(detector.rules) == 3
    return detector


def test_small_window_over_many_indices_is_read_once(event_store: ElasticEventStore, tmp_path: Path) -> None:
    days = [f"2026-10-{d:02d}" for d in range(1, 21)]
    events = [make_event(i, day=days[i % len(days)]) for i in range(40)]
    store = _store(event_store, events)
    rules = _detector(tmp_path).rules
    assert len(rules) * len(days) * SCAN_PER_SEARCH > 40

    here = run_since(store, rules, None)
    cluster = run_since(store, rules, None, allow_scan=False)

    assert here.plan.scanned is not None and "40 events in 20 indices" in here.plan.scanned
    assert here.plan.pushed == [] and len(here.plan.native) == 3
    assert cluster.plan.scanned is None and len(cluster.plan.pushed) == 3
    assert here.events == cluster.events == 40
    assert here.cursor == cluster.cursor is not None
    found = _ids(here.matches)
    assert found == _ids(cluster.matches)
    assert len(found["c0000000-0000-4000-8000-000000000001"]) == 40
    assert set(found["c0000000-0000-4000-8000-000000000002"]) == {
        e["event"]["id"] for e in events if e["message"].endswith(("1 built", "2 built"))
    }
    assert "c0000000-0000-4000-8000-000000000003" not in found


def test_large_window_in_one_index_stays_in_the_cluster(event_store: ElasticEventStore, tmp_path: Path) -> None:
    rules = _detector(tmp_path).rules
    count = len(rules) * SCAN_PER_SEARCH + 1
    store = _store(event_store, [make_event(i) for i in range(count)])

    result = run_since(store, rules, None)

    assert result.plan.scanned is None and len(result.plan.pushed) == 3 and result.events == count
    assert len(result.matches["c0000000-0000-4000-8000-000000000001"]) == count
