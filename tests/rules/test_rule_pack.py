"""The project's own rule pack, tested like code: every file under rules/sigma is loaded and checked."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from sigma.correlations import SigmaCorrelationRule

from secops import ecs
from secops.detect.evaluate import compile_rules, rule_id
from secops.detect.examples import examples_of, run_examples
from secops.detect.pipelines import _items
from secops.detect.rules import load_rules

PACK = Path(__file__).resolve().parents[2] / "rules" / "sigma"
TAG = re.compile(r"^attack\.(t\d{4}(\.\d{3})?|[a-z]+(-[a-z]+)*|[gs]\d{4})$")


def pack():
    return load_rules([PACK])


def test_pack_loads_without_problems_and_is_big_enough() -> None:
    ruleset = pack()
    compiled = compile_rules(ruleset)
    assert ruleset.problems == []
    assert len(compiled) == len(ruleset.rules)
    standalone = [r for r in compiled if r.emit] + [c for c in ruleset.correlations]
    assert len(standalone) >= 40


def test_ids_are_unique() -> None:
    ruleset = pack()
    ids = Counter(rule_id(r, ruleset.origin(r)) for r in [*ruleset.rules, *ruleset.correlations])
    assert [i for i, n in ids.items() if n > 1] == []
    assert all(not i.startswith("noid-") for i in ids)


def test_every_field_is_ecs_or_a_vendor_namespace() -> None:
    ruleset = pack()
    unknown = set()
    for rule in ruleset.rules:
        assert (rule.taxonomy or "").lower() == "ecs", rule.title
        for detection in rule.detection.detections.values():
            unknown |= {i.field for i in _items(detection) if i.field and not ecs.is_known_field(i.field)}
    for corr in ruleset.correlations:
        fields = [*(corr.group_by or [])]
        if corr.condition.fieldref:
            fields.append(corr.condition.fieldref)
        unknown |= {f for f in fields if not ecs.is_known_field(f)}
    assert unknown == set()


def test_attack_tags_are_well_formed() -> None:
    ruleset = pack()
    bad = [
        (r.title, str(t))
        for r in [*ruleset.rules, *ruleset.correlations]
        for t in r.tags or []
        if not TAG.match(str(t))
    ]
    assert bad == []
    standalone = [r for r in ruleset.correlations if r.generate or r.name is None] + [
        r for r in ruleset.rules if r.level is None or r.level.name != "INFORMATIONAL"
    ]
    assert all(any(str(t).startswith("attack.t") for t in r.tags or []) for r in standalone)


def test_every_rule_has_a_firing_and_a_quiet_example_and_they_hold() -> None:
    ruleset = pack()
    for rule in [*ruleset.rules, *ruleset.correlations]:
        examples = examples_of(rule)
        assert examples["match"] and examples["no_match"], rule.title
    results = run_examples(ruleset)
    failed = [f"{r.title} {'match' if r.expected else 'no_match'}[{r.index}]" for r in results if not r.ok]
    assert failed == []
    assert sum(isinstance(r, SigmaCorrelationRule) for r in ruleset.correlations) >= 8
