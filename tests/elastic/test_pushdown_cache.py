"""Pushdown plans are cached between runs: a hit skips pySigma entirely and gives the plan a fresh conversion gives.

The key covers the compiled rule set and the cluster's field types, so a
field mapped since (a new type for a rule's field) builds a new plan, and a
damaged cache file is rebuilt rather than trusted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.detect.detector import Detector
from secops.detect.jobs import rule_cache, run_once
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.elastic import ElasticEventStore
from secops.store.elastic_detect import Plan, plan
from secops.store.elastic_plans import cached_plan, plans_dir
from secops.store.sqlite import STATE_DB
from tests.elastic.conftest import make_event
from tests.es_node import store_client

pytestmark = [pytest.mark.elasticsearch]

RULES = """\
title: HTTPS connection
id: d0000000-0000-4000-8000-000000000001
taxonomy: ecs
logsource: {product: test}
detection:
    s: {destination.port: 443, message|contains: 'built'}
    condition: s
---
title: A keyword rule the cluster cannot take
id: d0000000-0000-4000-8000-000000000002
taxonomy: ecs
logsource: {product: test}
detection:
    keywords: ['connection 7 built']
    condition: keywords
---
title: Flagged by the custom field
id: d0000000-0000-4000-8000-000000000003
taxonomy: ecs
logsource: {product: test}
detection:
    s: {labels.flag|startswith: 'x'}
    condition: s
"""


def _rows(chosen: Plan) -> list[tuple]:
    return [(p.rule.id, p.query, p.lucene, p.reason) for p in [*chosen.pushed, *chosen.native]]


def _store(es_url: str, es_prefix: str, data: Path) -> ElasticEventStore:
    return ElasticEventStore(store_client(es_url), data, prefix=es_prefix, read_lag=0)


def test_a_cached_plan_is_the_plan_and_needs_no_pysigma(es_url: str, es_prefix: str, tmp_path: Path) -> None:
    rules, data = tmp_path / "rules.yml", tmp_path / "data"
    rules.write_text(RULES)
    store = _store(es_url, es_prefix, data)
    store.write([make_event(i) for i in range(20)])
    store.refresh()

    first = Detector.load([rules], cache_dir=rule_cache(data))  # compiled now, so the pySigma rules are at hand
    made = cached_plan(store, first)
    assert len(list(plans_dir(data).glob("*.json"))) == 1

    second = Detector.load([rules], cache_dir=rule_cache(data))
    assert second.compiled.cache == "hit"
    hit = cached_plan(store, second)
    assert second.ruleset is None and all(r.rule is None for r in second.rules)
    fresh = Detector.load([rules], need_rules=True)
    assert _rows(hit) == _rows(made) == _rows(plan(store, fresh.rules))
    assert [p.rule.id for p in hit.native] == ["d0000000-0000-4000-8000-000000000002"] and hit.native[0].reason
    store.close()

    # A field mapped since (labels.flag, which a rule names) changes the types the DSL is built from: a new plan.
    later = _store(es_url, es_prefix, data)
    later.write([{**make_event(99), "labels": {"flag": "xyz"}}])
    later.refresh()
    third = Detector.load([rules], cache_dir=rule_cache(data))
    assert third.ruleset is None
    rebuilt = cached_plan(later, third)
    assert third.ruleset is not None and all(r.rule is not None for r in third.rules)  # loaded to convert
    assert _rows(rebuilt) == _rows(plan(later, fresh.rules))
    assert len(list(plans_dir(data).glob("*.json"))) == 2
    later.close()


def test_a_damaged_plan_file_is_rebuilt_and_runs_agree(es_url: str, es_prefix: str, tmp_path: Path) -> None:
    rules, data = tmp_path / "rules.yml", tmp_path / "data"
    rules.write_text(RULES)
    store = _store(es_url, es_prefix, data)
    cases = SqliteCaseStore(data / STATE_DB)
    store.write([make_event(i) for i in range(20)])
    store.refresh()
    first = run_once(store, cases, [rules], data)
    assert first.new_alerts == 21  # 20 HTTPS connections and connection 7 by keyword

    for path in plans_dir(data).glob("*.json"):
        path.write_bytes(path.read_bytes()[:-40] + b"}" * 40)
    store.write([make_event(i) for i in range(20, 30)])
    store.refresh()
    second = run_once(store, cases, [rules], data)
    assert (second.events, second.new_alerts) == (10, 10)
    assert len(list(plans_dir(data).glob("*.json"))) == 1
    cases.close()
    store.close()
