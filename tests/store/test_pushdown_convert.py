"""Converting a rule for the cluster needs no node: pySigma's Lucene backend and our DSL translation."""

from __future__ import annotations

from pathlib import Path

from secops.detect.detector import Detector
from secops.store.elastic_detect import convert

RULE = """\
title: HTTPS connection
id: e0000000-0000-4000-8000-000000000001
taxonomy: ecs
logsource: {product: test}
detection:
    s: {destination.port: 443}
    condition: s
"""
TYPES = {"destination.port": "long"}


def test_a_rule_from_the_cache_without_its_sigma_rule_runs_natively_until_attached(tmp_path: Path) -> None:
    """A cache hit leaves ``CompiledRule.rule`` None: converting it used to raise AttributeError."""
    rules, cache = tmp_path / "rules.yml", tmp_path / "cache"
    rules.write_text(RULE)
    Detector.load([rules], cache_dir=cache)  # fills the cache
    detector = Detector.load([rules], cache_dir=cache)
    [rule] = detector.rules
    assert detector.compiled.cache == "hit"
    assert rule.rule is None

    native = convert(rule, TYPES)
    assert native.query is None
    assert native.reason == "its pySigma rule is not loaded (compiled rule from the cache)"

    detector.attach_rules()
    pushed = convert(rule, TYPES)
    assert pushed.reason is None
    assert pushed.lucene == "destination.port:443"
    assert pushed.query is not None
