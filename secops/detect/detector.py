"""The whole detection step for a stream of events: match, correlate, build alerts.

One ``Detector`` serves every caller: the offline scan, the scheduled job and
``collect --detect``. It holds no store; callers decide where alerts go.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from secops.cases.models import Alert, RuleRef
from secops.config import DetectConfig
from secops.detect.alerts import AlertBuilder, rule_ref
from secops.detect.correlate import Correlator
from secops.detect.evaluate import CompiledRule, Engine, compile_rules, rule_id
from secops.detect.rules import RuleSet, load_rules
from secops.types import Event


class Detector:
    """Compiled rules, correlation state and the alert builder for one run."""

    def __init__(self, ruleset: RuleSet, config: DetectConfig | None = None) -> None:
        self.config = config or DetectConfig()
        self.ruleset = ruleset
        self.rules: list[CompiledRule] = compile_rules(ruleset, self.config.placeholders)
        self.engine = Engine(self.rules)
        self.correlator = Correlator(ruleset)
        self.builder = AlertBuilder(self.config)
        self.refs: list[RuleRef] = [rule_ref(r.rule, r.id, r.origin) for r in self.rules]
        self.events = 0
        self.matches = 0

    def fresh(self) -> Detector:
        """A detector sharing these compiled rules, with empty correlation and alert state."""
        other = object.__new__(Detector)
        other.config, other.ruleset, other.rules, other.engine = self.config, self.ruleset, self.rules, self.engine
        other.correlator = Correlator(self.ruleset)
        other.builder = AlertBuilder(self.config)
        other.refs = self.refs
        other.events = other.matches = 0
        return other

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path], config: DetectConfig | None = None) -> Detector:
        return cls(load_rules(paths), config)

    def process(self, event: Event) -> None:
        """Evaluate one event; alerts accumulate until ``take``/``finish``."""
        self.events += 1
        for rule in self.engine.match(event):
            self.record(rule, event)

    def record(self, rule: CompiledRule, event: Event) -> None:
        """Take one match, found here or by the Elasticsearch pushdown, into correlations and alerts."""
        self.matches += 1
        if self.correlator.interested(rule.rule):
            self.correlator.feed(rule.rule, event)
        if rule.emit:
            self.builder.add(self.refs[rule.index], [event])

    def run(self, events: Iterable[Event]) -> list[Alert]:
        for event in events:
            self.process(event)
        return self.finish()

    def take(self) -> list[Alert]:
        """Alerts of single-event rules built so far (correlations wait for ``finish``)."""
        return self.builder.take()

    def finish(self) -> list[Alert]:
        """Evaluate correlations and return every alert not yet taken."""
        for firing in self.correlator.finish():
            corr = firing.correlation
            origin = self.ruleset.origin(corr)
            ref = rule_ref(corr, rule_id(corr, origin), origin)
            self.builder.add(
                ref,
                firing.events,
                {
                    "correlation": corr.type.name.lower(),
                    "group": firing.group,
                    "window_start": firing.start,
                    "window_end": firing.end,
                    "value": firing.measure,
                },
            )
        return self.builder.take()
