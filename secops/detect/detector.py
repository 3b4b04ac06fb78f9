"""The whole detection step for a stream of events: match, correlate, build alerts.

One ``Detector`` serves every caller: the offline scan, the scheduled job and
``collect --detect``. It holds no store; callers decide where alerts go.
Batches go through the batch evaluator (``process_batch``), single events
through the per-event one (``process``); both record matches in the same
order, so correlations and alerts do not depend on which was used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from secops.cases.models import Alert, RuleRef
from secops.config import DetectConfig
from secops.detect.alerts import AlertBuilder
from secops.detect.compiled import CompiledSet, compile_ruleset
from secops.detect.correlate import Correlator, Firing
from secops.detect.evaluate import CompiledRule, Engine
from secops.detect.rules import Problem, RuleSet
from secops.errors import RuleError
from secops.types import Event

BATCH = 20_000
"""Events per batch when a caller hands over a stream (``run``, the offline scan)."""


class Detector:
    """Compiled rules, correlation state and the alert builder for one run."""

    def __init__(self, rules: RuleSet | CompiledSet, config: DetectConfig | None = None) -> None:
        self.config = config or DetectConfig()
        if isinstance(rules, RuleSet):
            self.ruleset: RuleSet | None = rules
            rules = compile_ruleset(rules, self.config.placeholders)
        else:
            self.ruleset = None
        self.compiled = rules
        self._source: tuple[list[str | Path], Path | None] | None = None
        """Where ``load`` read the rules, for ``attach_rules``."""
        self.rules: list[CompiledRule] = rules.rules
        self.refs: list[RuleRef] = rules.refs
        self.engine = Engine(self.rules)
        self.correlator = Correlator(rules.correlations)
        self.builder = AlertBuilder(self.config)
        self.events = 0
        self.matches = 0

    @property
    def problems(self) -> list[Problem]:
        return self.compiled.problems

    def fresh(self) -> Detector:
        """A detector sharing these compiled rules, with empty correlation and alert state."""
        other = object.__new__(Detector)
        other.config, other.ruleset, other.compiled = self.config, self.ruleset, self.compiled
        other._source = self._source
        other.rules, other.refs, other.engine = self.rules, self.refs, self.engine
        other.correlator = Correlator(self.compiled.correlations)
        other.builder = AlertBuilder(self.config)
        other.events = other.matches = 0
        return other

    @classmethod
    def load(
        cls,
        paths: Iterable[str | Path],
        config: DetectConfig | None = None,
        cache_dir: Path | None = None,
        *,
        need_rules: bool = False,
    ) -> Detector:
        """Rules from files, compiled or taken from the cache (``need_rules``: keep the pySigma rules)."""
        from secops.detect.cache import load_compiled

        config = config or DetectConfig()
        paths = list(paths)
        compiled, ruleset = load_compiled(paths, config.placeholders, cache_dir, need_rules=need_rules)
        detector = cls(compiled, config)
        detector.ruleset = ruleset
        detector._source = (paths, cache_dir)
        return detector

    def attach_rules(self) -> None:
        """Load the pySigma rules behind rules that came from the cache without them (pushdown converts them)."""
        if self.ruleset is not None or self._source is None:
            return
        from secops.detect.cache import load_compiled

        paths, cache_dir = self._source
        compiled, ruleset = load_compiled(paths, self.config.placeholders, cache_dir, need_rules=True)
        if [r.id for r in compiled.rules] != [r.id for r in self.rules]:
            raise RuleError("the rule files changed during this run; run it again")
        for mine, loaded in zip(self.rules, compiled.rules, strict=True):
            mine.rule = loaded.rule
        self.ruleset = ruleset

    def process(self, event: Event) -> None:
        """Evaluate one event; alerts accumulate until ``take``/``checkpoint``/``finish``."""
        self.events += 1
        for rule in self.engine.match(event):
            self.record(rule, event)

    def process_batch(self, events: list[Event]) -> None:
        """Evaluate a batch at once (the fast path); matches are recorded event by event, in rule order."""
        self.events += len(events)
        for row, rules in self.engine.match_batch(events):
            event = events[row]
            for rule in rules:
                self.record(rule, event)

    def record(self, rule: CompiledRule, event: Event) -> None:
        """Take one match, found here or by the Elasticsearch pushdown, into correlations and alerts."""
        self.matches += 1
        if self.correlator.interested(rule.index):
            self.correlator.feed(rule.index, event)
        if rule.emit:
            self.builder.add(self.refs[rule.index], [event])

    def run(self, events: Iterable[Event], batch: int = BATCH) -> list[Alert]:
        """A whole stream, in batches, then every correlation window judged."""
        for chunk in batches(events, batch):
            self.process_batch(chunk)
        return self.finish()

    def take(self) -> list[Alert]:
        """Alerts of single-event rules built so far (correlations wait for ``checkpoint``/``finish``)."""
        return self.builder.take()

    def checkpoint(self) -> list[Alert]:
        """Every alert built so far, with the correlation windows that are settled (see ``correlate``)."""
        self._alert(self.correlator.step())
        return self.builder.take()

    def finish(self) -> list[Alert]:
        """Judge every correlation window and return every alert not yet taken."""
        self._alert(self.correlator.finish())
        return self.builder.take()

    def correlation_state(self) -> dict[str, Any]:
        """Open correlation windows, for the next run (after ``checkpoint``)."""
        return self.correlator.state()

    def resume(self, state: dict[str, Any]) -> None:
        self.correlator.resume(state)

    def _alert(self, firings: list[Firing]) -> None:
        for firing in firings:
            corr = firing.correlation
            self.builder.add(
                corr.ref,
                firing.events,
                {
                    "correlation": corr.type,
                    "group": firing.group,
                    "window_start": firing.start,
                    "window_end": firing.end,
                    "value": firing.measure,
                },
            )


def batches(events: Iterable[Event], size: int) -> Iterator[list[Event]]:
    """A stream cut into lists of at most ``size`` events."""
    it = iter(events)
    while chunk := list(islice(it, size)):
        yield chunk
