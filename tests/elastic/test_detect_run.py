"""``detect run`` on Elasticsearch (rules pushed down) gives the alerts ``detect run`` gives on the embedded store.

Same corpus (SigmaHQ's regression EVTX files), same rules (the SigmaHQ rules
the regression cases name, from their shared path, plus two rules written
here: a broad process rule and an event_count correlation over it), one run
on each backend (the cluster answering each rule, and the window read once
and evaluated here); the alerts must agree in dedup key and matched events. A
second run finds nothing new.
"""

from __future__ import annotations

import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from secops.detect.jobs import run_once
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext
from secops.store import elastic_detect
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.elastic import ElasticEventStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from tests.es_node import store_client

pytestmark = [pytest.mark.elasticsearch, pytest.mark.shared_data, pytest.mark.slow, pytest.mark.timeout(1800)]

OWN_RULES = """\
title: Process started from a path
id: 5d0c6a3e-1f3b-4c55-9a8e-2b7f0d4c9e01
status: test
description: Any process creation that names its image by path (a broad rule for the pushdown test).
author: secops tests
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|contains: '\\\\'
    condition: selection
level: low
---
title: Several processes started from a path
id: 8b1e2f4a-6c7d-4e8f-9a0b-1c2d3e4f5a6b
status: test
author: secops tests
correlation:
    type: event_count
    rules:
        - 5d0c6a3e-1f3b-4c55-9a8e-2b7f0d4c9e01
    timespan: 3650d
    condition:
        gte: 3
level: medium
"""


def _rules(sigma: Path, tmp_path: Path) -> list[Path]:
    own = tmp_path / "own.yml"
    own.write_text(OWN_RULES)
    named = []
    for info in sorted((sigma / "regression").rglob("info.yml")):
        relative = info.parent.relative_to(sigma / "regression")
        candidate = sigma / relative.parent / f"{relative.name}.yml"
        if candidate.is_file():
            named.append(candidate)
    return [own, *named]


def _summary(cases: SqliteCaseStore) -> dict[str, tuple[str, list[str]]]:
    return {a.dedup_key: (a.rule.id, sorted(e.id for e in a.events)) for a in cases.alerts()}


@pytest.mark.parametrize("scan_per_search", [0, 10**9], ids=["in-cluster", "read-once"])
def test_detect_run_pushdown_matches_the_embedded_run(
    shared_data: Path,
    es_url: str,
    es_prefix: str,
    tmp_path: Path,
    scan_per_search: int,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(elastic_detect, "SCAN_PER_SEARCH", scan_per_search)
    sigma = shared_data / "sigma"
    files = expand(sorted((sigma / "regression").rglob("*.evtx")))
    events = list(parse_files(files, "evtx", ParseContext(ZoneInfo("UTC")), Stats()))
    rules = _rules(sigma, tmp_path)

    native_dir, pushed_dir = tmp_path / "embedded", tmp_path / "elastic"
    embedded = EmbeddedEventStore(native_dir)
    embedded.write([dict(e) for e in events])
    native_cases = SqliteCaseStore(native_dir / STATE_DB)
    native = run_once(embedded, native_cases, rules, native_dir)

    elastic = ElasticEventStore(store_client(es_url, timeout=600), pushed_dir, prefix=es_prefix, read_lag=0)
    elastic.write(events)
    elastic.refresh()
    pushed_cases = SqliteCaseStore(pushed_dir / STATE_DB)
    with caplog.at_level(logging.INFO, logger=elastic_detect.__name__):
        pushed = run_once(elastic, pushed_cases, rules, pushed_dir)
    assert any("window evaluated here" in r.message for r in caplog.records) == (scan_per_search > 0)

    assert native.events == pushed.events == len(events)
    assert pushed.new_alerts == native.new_alerts > 50
    expected = _summary(native_cases)
    assert _summary(pushed_cases) == expected
    assert any(rule == "8b1e2f4a-6c7d-4e8f-9a0b-1c2d3e4f5a6b" for rule, _ in expected.values())  # the correlation

    again = run_once(elastic, pushed_cases, rules, pushed_dir)
    assert again.events == 0 and again.new_alerts == 0
    for store in (embedded, native_cases, elastic, pushed_cases):
        store.close()
