"""Sigma correlation rules over the matches of the rules they reference.

The evaluator hands every match of a referenced rule to ``Correlator.feed``;
``finish`` evaluates each correlation (inner ones first, so chains work) per
``group-by`` value, over time windows of ``timespan`` that start at a match:

- conditions that can only become true as matches are added (``gt``/``gte`` on
  event_count, value_count, value_sum, and temporal / temporal_ordered) fire as
  soon as they hold; the window's matches are then used up and the next
  window starts after them;
- the others (``lt``, ``lte``, ``eq``, ``neq``, value_avg, value_percentile)
  are judged on the whole window, and the next window starts after it.

Both window edges are inclusive: an event exactly ``timespan`` after the first
one is inside. Group-by fields, aliases and the value field are mapped through
the pipeline of each referenced rule, so they name the same ECS fields as the
rules' own conditions.
"""

from __future__ import annotations

import math
import operator
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)
from sigma.rule import SigmaRule

from secops import ecs
from secops.detect.alerts import event_time
from secops.detect.evaluate import quiet_rules
from secops.detect.modifiers import number, text
from secops.detect.pipelines import correlation_fields
from secops.detect.rules import RuleSet
from secops.errors import RuleError
from secops.types import Event

OPS: dict[SigmaCorrelationConditionOperator, Callable[[float, float], bool]] = {
    SigmaCorrelationConditionOperator.LT: operator.lt,
    SigmaCorrelationConditionOperator.LTE: operator.le,
    SigmaCorrelationConditionOperator.GT: operator.gt,
    SigmaCorrelationConditionOperator.GTE: operator.ge,
    SigmaCorrelationConditionOperator.EQ: operator.eq,
    SigmaCorrelationConditionOperator.NEQ: operator.ne,
}
GROWING = {SigmaCorrelationConditionOperator.GT, SigmaCorrelationConditionOperator.GTE}
MONOTONE_TYPES = {
    SigmaCorrelationType.EVENT_COUNT,
    SigmaCorrelationType.VALUE_COUNT,
    SigmaCorrelationType.VALUE_SUM,
}


@dataclass(slots=True)
class Hit:
    """A match of a referenced rule (or a firing of a referenced correlation)."""

    time: float
    ref: int
    """Position of the referenced rule in the correlation's ``rules`` list."""
    group: tuple[str, ...]
    value: Any
    events: list[Event]


@dataclass(slots=True)
class Firing:
    """A correlation that held: its window, group and events."""

    correlation: SigmaCorrelationRule
    start: float
    end: float
    group: dict[str, str]
    events: list[Event]
    measure: float


@dataclass
class _Compiled:
    rule: SigmaCorrelationRule
    refs: list[Any]
    fields: dict[int, tuple[list[str], str | None]] = field(default_factory=dict)
    """Per referenced object (``id()``): group-by fields and the value field, mapped."""


def _base_rule(obj: Any) -> SigmaRule:
    while isinstance(obj, SigmaCorrelationRule):
        obj = obj.rules[0].rule if obj.rules else None
    if not isinstance(obj, SigmaRule):
        raise RuleError("correlation references no detection rule")
    return obj


class Correlator:
    """Collects matches of referenced rules and evaluates correlations at ``finish``."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.compiled: list[_Compiled] = []
        self.wanted: dict[int, list[tuple[_Compiled, int]]] = defaultdict(list)
        for corr in ruleset.correlations:
            try:
                self.compiled.append(self._compile(corr))
            except RuleError as exc:
                ruleset.problem(corr, f"cannot evaluate correlation {corr.title!r}: {exc.message}")
        self.compiled.sort(key=lambda c: _depth(c.rule))
        for comp in self.compiled:
            for position, ref in enumerate(comp.refs):
                self.wanted[id(ref)].append((comp, position))
        self.hits: dict[int, list[Hit]] = defaultdict(list)
        quiet = quiet_rules(ruleset)
        self.outer = [c for c in self.compiled if id(c.rule) not in quiet]
        self.firings: list[Firing] = []
        """Every firing of the last ``finish``, inner correlations included."""

    def _compile(self, corr: SigmaCorrelationRule) -> _Compiled:
        if not isinstance(corr.condition, SigmaCorrelationCondition):
            raise RuleError("extended (boolean) correlation conditions are not supported")
        refs = [ref.rule for ref in corr.rules or []]
        if not refs:
            raise RuleError("correlation references no rules")
        comp = _Compiled(corr, refs)
        value_field = corr.condition.fieldref
        if isinstance(value_field, list):
            value_field = value_field[0] if value_field else None
        for ref in refs:
            base = _base_rule(ref)
            group = correlation_fields(corr, base, corr.group_by or [])
            value = correlation_fields(corr, base, [value_field])[0] if value_field else None
            comp.fields[id(ref)] = (group, value)
        return comp

    def interested(self, rule: Any) -> bool:
        return id(rule) in self.wanted

    def feed(self, rule: Any, event: Event) -> None:
        """Record a match of a detection rule that some correlation references."""
        for comp, position in self.wanted.get(id(rule), ()):
            self._record(comp, position, rule, event_time(event).timestamp(), [event])

    def _record(self, comp: _Compiled, position: int, ref: Any, moment: float, events: list[Event]) -> None:
        group_fields, value_field = comp.fields[id(ref)]
        last = events[-1]
        group = tuple(_one(ecs.get(last, f)) for f in group_fields)
        value = ecs.get(last, value_field) if value_field else None
        self.hits[id(comp)].append(Hit(moment, position, group, value, events))

    def finish(self) -> list[Firing]:
        """Evaluate every correlation; inner ones feed outer ones. Returns the outer firings."""
        out: list[Firing] = []
        self.firings = []
        for comp in self.compiled:  # sorted: referenced correlations before those that reference them
            firings = evaluate(comp.rule, self.hits.pop(id(comp), []))
            self.firings.extend(firings)
            for firing in firings:
                for outer, position in self.wanted.get(id(comp.rule), ()):
                    self._record(outer, position, comp.rule, firing.end, firing.events)
            if comp in self.outer:
                out.extend(firings)
        return out


def _depth(rule: Any, seen: int = 0) -> int:
    """How deep a correlation chain goes below a rule (detection rules are 0)."""
    if not isinstance(rule, SigmaCorrelationRule) or seen > 20:
        return 0
    return 1 + max((_depth(ref.rule, seen + 1) for ref in rule.rules or []), default=0)


def _one(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    t = text(value)
    return "" if t is None else t.lower()


def evaluate(corr: SigmaCorrelationRule, hits: list[Hit]) -> list[Firing]:
    """All firings of one correlation over its hits."""
    assert isinstance(corr.condition, SigmaCorrelationCondition)
    span = float(corr.timespan.seconds)
    measure = _measure(corr)
    op = OPS[corr.condition.op]
    threshold = corr.condition.count
    growing = corr.condition.op in GROWING and (
        corr.type in MONOTONE_TYPES
        or corr.type in (SigmaCorrelationType.TEMPORAL, SigmaCorrelationType.TEMPORAL_ORDERED)
    )
    names = list(corr.group_by or [])
    groups: dict[tuple[str, ...], list[Hit]] = defaultdict(list)
    for hit in hits:
        groups[hit.group].append(hit)
    out: list[Firing] = []
    for key in sorted(groups):
        series = sorted(groups[key], key=lambda h: h.time)
        for start, end, window, value in _windows(series, span, growing, lambda w: op(measure(w), threshold), measure):
            events = [e for h in window for e in h.events]
            out.append(Firing(corr, start, end, dict(zip(names, key, strict=False)), events, value))
    return out


def _windows(
    series: list[Hit],
    span: float,
    growing: bool,
    holds: Callable[[list[Hit]], bool],
    measure: Callable[[list[Hit]], float],
) -> list[tuple[float, float, list[Hit], float]]:
    out = []
    i, n = 0, len(series)
    while i < n:
        limit = series[i].time + span
        k = i
        while k < n and series[k].time <= limit:
            k += 1
        fired = False
        if growing:
            for j in range(i + 1, k + 1):
                window = series[i:j]
                if holds(window):
                    out.append((window[0].time, window[-1].time, window, measure(window)))
                    i, fired = j, True
                    break
        else:
            # Judged on the whole window, which is then used up whether it held or not:
            # otherwise the shrinking tail of every window would satisfy "fewer than".
            window = series[i:k]
            if holds(window):
                out.append((window[0].time, window[-1].time, window, measure(window)))
            i, fired = k, True
        if not fired:
            i += 1
    return out


def _measure(corr: SigmaCorrelationRule) -> Callable[[list[Hit]], float]:
    kind = corr.type
    refs = len(corr.rules or [])
    if kind is SigmaCorrelationType.EVENT_COUNT:
        return len
    if kind is SigmaCorrelationType.VALUE_COUNT:
        return lambda w: len({_one(h.value) for h in w if h.value is not None})
    if kind is SigmaCorrelationType.TEMPORAL:
        return lambda w: len({h.ref for h in w})
    if kind is SigmaCorrelationType.TEMPORAL_ORDERED:
        return lambda w: _in_order(w, refs)
    if kind is SigmaCorrelationType.VALUE_SUM:
        return lambda w: sum(_numbers(w))
    if kind is SigmaCorrelationType.VALUE_AVG:
        return lambda w: (sum(v := _numbers(w)) / len(v)) if _numbers(w) else math.nan
    if kind is SigmaCorrelationType.VALUE_PERCENTILE:
        percentile = corr.condition.percentile if isinstance(corr.condition, SigmaCorrelationCondition) else None
        return (lambda w: _percentile(_numbers(w), percentile)) if percentile is not None else _rarest_share
    raise RuleError(f"correlation type {kind.name.lower()} is not supported")


def _numbers(window: Sequence[Hit]) -> list[float]:
    return [n for h in window if (n := number(h.value)) is not None]


def _in_order(window: Sequence[Hit], refs: int) -> int:
    """How many of the referenced rules matched in their listed order (all of them = ``refs``)."""
    want = 0
    for hit in window:
        if hit.ref == want:
            want += 1
            if want == refs:
                break
    return want


def _percentile(values: list[float], p: int) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _rarest_share(window: Sequence[Hit]) -> float:
    """Without a percentile: the share (in %) of the window's events that carry its rarest value."""
    counts: dict[str, int] = defaultdict(int)
    for hit in window:
        if hit.value is not None:
            counts[_one(hit.value)] += 1
    return 100.0 * min(counts.values()) / sum(counts.values()) if counts else math.nan
