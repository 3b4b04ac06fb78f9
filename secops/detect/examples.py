"""Rule examples: every rule of the project's pack carries an event that fires it and one that must not.

The examples live in the rule document itself, in a custom attribute (the
Sigma specification allows arbitrary custom fields):

    tests:
      match:    [ {event}, ... ]      # each must fire the rule
      no_match: [ {event}, ... ]      # none may

For a correlation rule each example is a list of events (a sequence) that must
or must not make the correlation fire. ``secops rules test`` and the rule-pack
test run them through the same ``Detector`` as production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sigma.correlations import SigmaCorrelationRule

from secops.detect.detector import Detector
from secops.detect.evaluate import rule_id
from secops.detect.rules import Origin, RuleSet

ATTRIBUTE = "tests"


@dataclass(frozen=True, slots=True)
class ExampleResult:
    rule_id: str
    title: str
    origin: Origin | None
    expected: bool
    fired: bool
    index: int

    @property
    def ok(self) -> bool:
        return self.expected == self.fired


def examples_of(rule: Any) -> dict[str, list[Any]]:
    tests = (rule.custom_attributes or {}).get(ATTRIBUTE) or {}
    return {"match": list(tests.get("match") or []), "no_match": list(tests.get("no_match") or [])}


def run_examples(ruleset: RuleSet) -> list[ExampleResult]:
    """Run every example of every rule that has some."""
    detector = Detector(ruleset)
    by_rule = {id(r.rule): r for r in detector.rules}
    results: list[ExampleResult] = []
    for rule in [*ruleset.rules, *ruleset.correlations]:
        origin = ruleset.origin(rule)
        rid = rule_id(rule, origin)
        for expected, key in ((True, "match"), (False, "no_match")):
            for index, example in enumerate(examples_of(rule)[key]):
                if isinstance(rule, SigmaCorrelationRule):
                    fired = _fires_correlation(detector.fresh(), rid, example)
                else:
                    compiled = by_rule.get(id(rule))
                    fired = compiled is not None and compiled in detector.engine.match(example)
                results.append(ExampleResult(rid, str(rule.title), origin, expected, fired, index))
    return results


def _fires_correlation(detector: Detector, rid: str, events: list[Any]) -> bool:
    """Whether the correlation held (inner correlations of a chain alert only through the outer one)."""
    detector.run(events if isinstance(events, list) else [events])
    return any(f.correlation.id == rid for f in detector.correlator.firings)
