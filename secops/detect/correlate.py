"""Sigma correlation rules over the matches of the rules they reference.

Correlations are compiled into ``CorrelationPlan``s (plain data, cached with
the rules): type, condition, timespan, and per referenced rule the
``group-by`` and value fields mapped through that rule's pipeline, so they
name the same ECS fields as the rules' own conditions. The evaluator hands
every match of a referenced rule to ``Correlator.feed``; ``step`` evaluates
each correlation (inner ones first, so chains work) per group, over time
windows of ``timespan`` that start at a match:

- conditions that can only become true as matches are added (``gt``/``gte`` on
  event_count, value_count, value_sum, and temporal / temporal_ordered) fire as
  soon as they hold; the window's matches are then used up and the next
  window starts after them;
- the others (``lt``, ``lte``, ``eq``, ``neq``, value_avg, value_percentile)
  are judged on the whole window, and the next window starts after it.

Both window edges are inclusive: an event exactly ``timespan`` after the first
one is inside.

Windows can span scheduled runs. ``step(final=False)`` judges only what is
settled: a window that fired, or one whose end is before the latest match
seen (the *clock*); the matches of the first unsettled window onwards are
kept, and they are all within one timespan of the clock. ``state`` /
``resume`` carry them to the next run, so a run sees the same windows as one
long run over all the events would. ``finish`` (``final=True``) judges
everything, for scans that have no next run.
"""

from __future__ import annotations

import hashlib
import math
import operator
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import orjson
from sigma.correlations import SigmaCorrelationCondition, SigmaCorrelationRule
from sigma.rule import SigmaRule

from secops import ecs
from secops.cases.models import RuleRef
from secops.detect.alerts import event_time, rule_ref
from secops.detect.modifiers import number, text
from secops.detect.pipelines import correlation_fields
from secops.detect.rules import RuleSet
from secops.errors import RuleError
from secops.types import Event

OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "eq": operator.eq,
    "neq": operator.ne,
}
GROWING_TYPES = {"event_count", "value_count", "value_sum", "temporal", "temporal_ordered"}


@dataclass(slots=True)
class CorrelationPlan:
    """A correlation rule as plain data; ``refs`` name what it counts: ``["rule", index]`` or ``["corr", position]``."""

    id: str
    type: str
    op: str
    count: float
    span: float
    group_by: list[str]
    refs: list[list[Any]]
    ref_ids: list[str]
    fields: list[list[Any]]
    """Per reference: the mapped group-by fields and the mapped value field (or None)."""
    ref: RuleRef
    emit: bool = True
    percentile: int | None = None
    more_values: list[list[str]] | None = None
    """value_count over several fields: per reference, the mapped fields after the first (in ``fields``).

    The spec links the fields by AND: each field's distinct count must meet the
    condition. A hit's value is then the list of the fields' values.
    """

    @property
    def fingerprint(self) -> str:
        """What carried state must agree with: the same definition over the same rules."""
        body = {k: v for k, v in asdict(self).items() if k not in ("ref", "refs", "emit")}
        if self.more_values is None:  # one value field: the fingerprint it had before several were counted
            del body["more_values"]
        return hashlib.blake2b(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), digest_size=12).hexdigest()

    def to_data(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in self.__slots__ if k != "ref"}, "ref": self.ref.model_dump(mode="json")}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CorrelationPlan:
        return cls(**{**data, "ref": RuleRef.model_validate(data["ref"])})


@dataclass(slots=True)
class Hit:
    """A match of a referenced rule (or a firing of a referenced correlation)."""

    time: float
    ref: int
    """Position of the referenced rule in the correlation's ``refs``."""
    group: tuple[str, ...]
    value: Any
    events: list[Event]


@dataclass(slots=True)
class Firing:
    """A correlation that held: its window, group and events."""

    correlation: CorrelationPlan
    start: float
    end: float
    group: dict[str, str]
    events: list[Event]
    measure: float


def _base_rule(obj: Any) -> SigmaRule:
    while isinstance(obj, SigmaCorrelationRule):
        obj = obj.rules[0].rule if obj.rules else None
    if not isinstance(obj, SigmaRule):
        raise RuleError("correlation references no detection rule")
    return obj


def _depth(rule: Any, seen: int = 0) -> int:
    """How deep a correlation chain goes below a rule (detection rules are 0)."""
    if not isinstance(rule, SigmaCorrelationRule) or seen > 20:
        return 0
    return 1 + max((_depth(ref.rule, seen + 1) for ref in rule.rules or []), default=0)


def plan_correlations(ruleset: RuleSet, rule_index: dict[int, int], quiet: set[int]) -> list[CorrelationPlan]:
    """Every correlation of the rule set, inner ones first; those that cannot be evaluated become problems.

    ``rule_index`` maps ``id()`` of a loaded detection rule to its compiled index;
    ``quiet`` holds ``id()`` of the correlations that only feed other correlations.
    """
    from secops.detect.evaluate import rule_id

    kept: list[tuple[SigmaCorrelationRule, CorrelationPlan]] = []
    for corr in sorted(ruleset.correlations, key=_depth):  # inner correlations first
        origin = ruleset.origin(corr)
        try:
            plan = _plan(corr, rule_id(corr, origin), rule_ref(corr, rule_id(corr, origin), origin), ruleset)
        except RuleError as exc:
            ruleset.problem(corr, f"cannot evaluate correlation {corr.title!r}: {exc.message}")
            continue
        plan.emit = id(corr) not in quiet
        kept.append((corr, plan))
    position = {id(corr): i for i, (corr, _) in enumerate(kept)}
    for corr, plan in kept:
        assert corr.rules is not None, "_plan refuses a correlation without rules"
        for ref, target in zip(plan.refs, (r.rule for r in corr.rules), strict=True):
            ref[1] = (position if ref[0] == "corr" else rule_index).get(id(target), -1)
    return [plan for _, plan in kept]


def _plan(corr: SigmaCorrelationRule, ident: str, ref: RuleRef, ruleset: RuleSet) -> CorrelationPlan:
    from secops.detect.evaluate import rule_id

    condition = corr.condition
    if not isinstance(condition, SigmaCorrelationCondition):
        raise RuleError("extended (boolean) correlation conditions are not supported")
    if not corr.rules:
        raise RuleError("correlation references no rules")
    value_fields = _value_fields(corr.type.name.lower(), condition.fieldref)
    refs: list[list[Any]] = []
    ref_ids: list[str] = []
    fields: list[list[Any]] = []
    more: list[list[str]] = []
    for reference in corr.rules:
        target = reference.rule
        base = _base_rule(target)
        refs.append(["corr" if isinstance(target, SigmaCorrelationRule) else "rule", -1])
        ref_ids.append(rule_id(target, ruleset.origin(target)))
        group = correlation_fields(corr, base, corr.group_by or [])
        values = correlation_fields(corr, base, value_fields)
        fields.append([group, values[0] if values else None])
        more.append(values[1:])
    plan = CorrelationPlan(
        id=ident,
        type=corr.type.name.lower(),
        op=condition.op.name.lower(),
        count=condition.count,
        span=float(corr.timespan.seconds),
        group_by=list(corr.group_by or []),
        refs=refs,
        ref_ids=ref_ids,
        fields=fields,
        ref=ref,
        percentile=getattr(condition, "percentile", None),
        more_values=more if len(value_fields) > 1 else None,
    )
    _measure(plan)  # refuses unsupported types now rather than at the first firing
    return plan


def _value_fields(kind: str, fieldref: str | list[str] | None) -> list[str]:
    """The condition's ``field``: several only for value_count, whose spec links them by AND."""
    names = (fieldref if isinstance(fieldref, list) else [fieldref]) if fieldref else []
    if len(names) > 1 and kind != "value_count":
        raise RuleError(f"{kind} takes one field, not several ({', '.join(names)}): only value_count counts several")
    return names


class Correlator:
    """Collects matches of referenced rules and evaluates the correlations over them."""

    def __init__(self, plans: Sequence[CorrelationPlan]) -> None:
        self.plans = list(plans)
        self.wanted: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        for number_, plan in enumerate(self.plans):
            for position, (kind, target) in enumerate(plan.refs):
                if target >= 0:
                    self.wanted[(kind, target)].append((number_, position))
        self.rules = frozenset(target for kind, target in self.wanted if kind == "rule")
        self.fresh: dict[int, list[Hit]] = defaultdict(list)
        self.carried: dict[int, list[Hit]] = {}
        self.clock = -math.inf
        """The latest match time seen: windows ending before it are settled."""
        self.firings: list[Firing] = []
        """Every firing of the last step, inner correlations included."""

    def interested(self, index: int) -> bool:
        return index in self.rules

    def feed(self, index: int, event: Event) -> None:
        """Record a match of the compiled rule ``index``, which some correlation references."""
        moment = event_time(event).timestamp()
        for number_, position in self.wanted.get(("rule", index), ()):
            self._record(number_, position, moment, [event])

    def _record(self, number_: int, position: int, moment: float, events: list[Event]) -> None:
        plan = self.plans[number_]
        group_fields, value_field = plan.fields[position]
        last = events[-1]
        group = tuple(_one(ecs.get(last, f)) for f in group_fields)
        value = ecs.get(last, value_field) if value_field else None
        if plan.more_values is not None:
            value = [value, *(ecs.get(last, f) for f in plan.more_values[position])]
        self.fresh[number_].append(Hit(moment, position, group, value, events))
        if moment > self.clock:
            self.clock = moment

    def step(self, final: bool = False) -> list[Firing]:
        """Evaluate what is settled (everything when ``final``); returns the firings that alert."""
        out: list[Firing] = []
        self.firings = []
        for number_, plan in enumerate(self.plans):  # inner correlations before those that reference them
            hits = self.carried.pop(number_, []) + self.fresh.pop(number_, [])
            if not hits:
                continue
            firings, rest = evaluate(plan, hits, None if final else self.clock)
            if rest:
                self.carried[number_] = rest
            self.firings.extend(firings)
            for firing in firings:
                for outer, position in self.wanted.get(("corr", number_), ()):
                    self._record(outer, position, firing.end, firing.events)
            if plan.emit:
                out.extend(firings)
        return out

    def finish(self) -> list[Firing]:
        """Judge every window: the end of a stream that has no next run."""
        return self.step(final=True)

    def state(self) -> dict[str, Any]:
        """The matches still in open windows, to carry into the next run (call after ``step``)."""
        plans = {
            self.plans[n].fingerprint: [[h.time, h.ref, list(h.group), h.value, h.events] for h in hits]
            for n, hits in self.carried.items()
        }
        return {"clock": self.clock if self.clock != -math.inf else None, "plans": plans}

    def resume(self, state: dict[str, Any]) -> None:
        """Take over the open windows of an earlier run; state of changed or removed correlations is dropped."""
        clock = state.get("clock")
        if clock is not None and clock > self.clock:
            self.clock = float(clock)
        by_print = {plan.fingerprint: n for n, plan in enumerate(self.plans)}
        for fingerprint, hits in (state.get("plans") or {}).items():
            number_ = by_print.get(fingerprint)
            if number_ is not None:
                self.carried[number_] = [Hit(float(t), int(r), tuple(g), v, list(e)) for t, r, g, v, e in hits]


def _one(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    t = text(value)
    return "" if t is None else t.lower()


def evaluate(plan: CorrelationPlan, hits: list[Hit], clock: float | None = None) -> tuple[list[Firing], list[Hit]]:
    """The firings of one correlation over its hits, and the hits of windows not yet settled.

    ``clock`` None judges every window (the end of the stream).
    """
    measure = _measure(plan)
    growing = plan.op in ("gt", "gte") and plan.type in GROWING_TYPES
    groups: dict[tuple[str, ...], list[Hit]] = defaultdict(list)
    for hit in hits:
        groups[hit.group].append(hit)
    out: list[Firing] = []
    rest: list[Hit] = []
    for key in sorted(groups):
        series = sorted(groups[key], key=lambda h: h.time)
        if growing:
            windows, open_from = _growing_windows(series, plan, clock)
        else:
            windows, open_from = _whole_windows(series, plan.span, _holds(plan, measure), clock)
        for window in windows:
            events = [e for h in window for e in h.events]
            group = dict(zip(plan.group_by, key, strict=False))
            out.append(Firing(plan, window[0].time, window[-1].time, group, events, measure(window)))
        rest += series[open_from:]
    return out, rest


def _growing_windows(series: list[Hit], plan: CorrelationPlan, clock: float | None) -> tuple[list[list[Hit]], int]:
    """The smallest windows that hold, in one pass; and where the first unsettled window starts.

    A window that holds is used up and the next starts after it. A start from
    which no window within the timespan holds is dropped, and the end stays
    where it is: these measures only grow with the window, so no shorter
    window from a later start can hold either. That keeps the pass linear
    (temporal_ordered re-reads its window when the start moves); a dense
    series judged window by window took minutes.
    """
    meets = _meets(plan)
    tally = _Tally(plan)

    def holds() -> bool:
        return meets(tally.measures())

    out: list[list[Hit]] = []
    i = j = 0
    n = len(series)
    while i < n:
        limit = series[i].time + plan.span
        while j < n and series[j].time <= limit and not (j > i and holds()):
            tally.add(series[j])
            j += 1
        if holds():
            out.append(series[i:j])
            tally.clear()
            i = j
            continue
        if clock is not None and limit >= clock:
            return out, i  # the window from i may still grow in a later run
        tally.drop_first()
        i += 1
    return out, n


TALLIED = frozenset({"event_count", "value_count", "temporal", "temporal_ordered"})
"""Types whose whole-window measure is a ``_Tally`` too (counts: the same figures either way)."""


class _Tally:
    """The measure of a window, kept as hits join at its end and leave at its start.

    value_sum is taken as growing too: sizes and counts, what it sums, are
    never negative (a negative value could hide a window).
    """

    def __init__(self, plan: CorrelationPlan, hits: Iterable[Hit] = ()) -> None:
        self.kind = plan.type
        self.refs = len(plan.refs)
        self.width = 1 + len(plan.more_values[0]) if plan.more_values is not None else 1
        self.clear()
        for hit in hits:
            self.add(hit)

    def clear(self) -> None:
        self.hits: deque[Hit] = deque()
        self.distinct: list[Counter[Any]] = [Counter() for _ in range(self.width)]
        self.total = Fraction(0)  # exact: adding and taking away the same values leaves no rounding behind
        self.ordered = 0

    def add(self, hit: Hit) -> None:
        self.hits.append(hit)
        self._count(hit, 1)
        if self.kind == "temporal_ordered" and self.ordered < self.refs and hit.ref == self.ordered:
            self.ordered += 1

    def drop_first(self) -> None:
        self._count(self.hits.popleft(), -1)
        if self.kind == "temporal_ordered":
            self.ordered = _in_order(self.hits, self.refs)

    def _count(self, hit: Hit, step: int) -> None:
        if self.kind == "value_count":
            values = hit.value if self.width > 1 else [hit.value]
            for counter, value in zip(self.distinct, values, strict=False):
                if value is not None:
                    _bump(counter, _one(value), step)
        elif self.kind == "temporal":
            _bump(self.distinct[0], hit.ref, step)
        elif self.kind == "value_sum" and (value := number(hit.value)) is not None and math.isfinite(value):
            self.total += step * Fraction(value)

    def measures(self) -> list[float]:
        """One figure per condition the window must meet (several for value_count over several fields)."""
        if self.kind == "value_count":
            return [len(counter) for counter in self.distinct]
        if self.kind == "temporal":
            return [len(self.distinct[0])]
        if self.kind == "value_sum":
            return [float(self.total)]
        if self.kind == "temporal_ordered":
            return [self.ordered]
        return [len(self.hits)]


def _bump(counter: Counter[Any], key: Any, step: int) -> None:
    counter[key] += step
    if not counter[key]:
        del counter[key]


def _whole_windows(
    series: list[Hit], span: float, holds: Callable[[list[Hit]], bool], clock: float | None
) -> tuple[list[list[Hit]], int]:
    """Windows judged whole, each used up whether it held or not; and where the first unsettled one starts.

    Used up either way: otherwise the shrinking tail of every window would
    satisfy "fewer than".
    """
    out: list[list[Hit]] = []
    i, n = 0, len(series)
    while i < n:
        limit = series[i].time + span
        if clock is not None and limit >= clock:
            return out, i
        k = i
        while k < n and series[k].time <= limit:
            k += 1
        if holds(series[i:k]):
            out.append(series[i:k])
        i = k
    return out, n


def _meets(plan: CorrelationPlan) -> Callable[[list[float]], bool]:
    """Whether a window's figures meet the condition: for value_count over several fields, every field's does."""
    op, threshold = OPS[plan.op], plan.count
    return lambda figures: all(op(figure, threshold) for figure in figures)


def _holds(plan: CorrelationPlan, measure: Callable[[list[Hit]], float]) -> Callable[[list[Hit]], bool]:
    """Whether a whole window meets the condition."""
    meets = _meets(plan)
    if plan.type in TALLIED:
        return lambda w: meets(_Tally(plan, w).measures())
    return lambda w: meets([measure(w)])


def _measure(plan: CorrelationPlan) -> Callable[[list[Hit]], float]:
    """What a window is judged by; with several value_count fields, the count that decides (``_holds`` judges)."""
    kind = plan.type
    if kind in TALLIED:
        decides = max if plan.op in ("lt", "lte") else min  # one figure but for value_count over several fields
        return lambda w: decides(_Tally(plan, w).measures())
    if kind == "value_sum":
        return lambda w: sum(_numbers(w))
    if kind == "value_avg":
        return lambda w: (sum(v := _numbers(w)) / len(v)) if _numbers(w) else math.nan
    if kind == "value_percentile":
        percentile = plan.percentile
        return (lambda w: _percentile(_numbers(w), percentile)) if percentile is not None else _rarest_share
    raise RuleError(f"correlation type {kind} is not supported")


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
