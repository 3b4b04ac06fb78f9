"""Differential test: Sigma pushed down to Elasticsearch gives the native engine's matches, rule by rule.

Corpus: every EVTX file of SigmaHQ's regression set (``shared/data/sigma/regression``),
parsed by our evtx collector. Rules: the rule each regression case names
(they fire) plus all of ``rules/windows/builtin`` (most must stay silent).
The native engine evaluates them in Python; the pushdown converts each with
pySigma's Elasticsearch backend and asks the cluster. Every rule must match
exactly the same events both ways; rules the cluster cannot express are
evaluated natively by the pushdown runner, and the test checks that those
are few and each has its reason.
"""

from __future__ import annotations

import collections
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from secops.detect.evaluate import Engine, compile_rules
from secops.detect.rules import load_rules
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext
from secops.store import elastic_detect
from secops.store.elastic import ElasticEventStore
from tests.es_node import store_client

pytestmark = [pytest.mark.elasticsearch, pytest.mark.shared_data, pytest.mark.slow, pytest.mark.timeout(2400)]


def _rule_files(sigma: Path) -> list[Path]:
    named = []
    for info in sorted((sigma / "regression").rglob("info.yml")):
        relative = info.parent.relative_to(sigma / "regression")
        candidate = sigma / relative.parent / f"{relative.name}.yml"
        if candidate.is_file():
            named.append(candidate)
    return named + sorted((sigma / "rules" / "windows" / "builtin").rglob("*.yml"))


def test_pushdown_equals_native_rule_by_rule(shared_data: Path, es_url: str, es_prefix: str, data_dir: Path) -> None:
    sigma = shared_data / "sigma"
    stats = Stats()
    files = expand(sorted((sigma / "regression").rglob("*.evtx")))
    events = list(parse_files(files, "evtx", ParseContext(ZoneInfo("UTC")), stats))
    assert len(events) > 100 and stats.failures == 0

    ruleset = load_rules(_rule_files(sigma))
    rules = compile_rules(ruleset)
    assert len(rules) > 400

    native: dict[str, set[str]] = collections.defaultdict(set)
    engine = Engine(rules)
    for event in events:
        for rule in engine.match(event):
            native[rule.id].add(event["event"]["id"])
    assert len(native) > 80, "the regression corpus should fire most of the rules that name it"

    store = ElasticEventStore(store_client(es_url, timeout=600), data_dir, prefix=es_prefix, read_lag=0)
    assert store.write(events) == len(events)
    store.refresh()
    result = elastic_detect.run_since(store, rules, None, allow_scan=False)
    pushed = {p.rule.id for p in result.plan.pushed}

    differing = []
    for rule in rules:
        mine = {e["event"]["id"] for e in result.matches.get(rule.id, [])}
        if mine != native.get(rule.id, set()):
            differing.append(f"{rule.id} {rule.title!r}: native {len(native.get(rule.id, ()))}, pushdown {len(mine)}")
    assert differing == []
    # The point is the cluster doing the work: nearly every rule, and nearly every firing rule, ran there.
    assert len(pushed) >= 0.9 * len(rules)
    assert len(pushed & set(native)) >= 0.85 * len(native)
    assert all(p.reason for p in result.plan.native)
    assert result.cursor is not None
    again = elastic_detect.run_since(store, rules, result.cursor, allow_scan=False)
    assert again.matches == {} and again.cursor is None  # nothing new since the last run
    store.close()
