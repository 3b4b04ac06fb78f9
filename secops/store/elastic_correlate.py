"""Correlations over pushed-down rules: the cluster aggregates first, Python judges the windows.

A base rule that only feeds one correlation (Sigma ``generate: false``) can
match millions of events ("connection denied" under a port-scan rule), yet
only the groups that can reach the threshold matter. For such a correlation
a ``composite`` aggregation per referenced rule, over the ingest window and
the rule's query, counts each group (plus, for value_count, the distinct
counted values; for temporal types, which rules occur). A group can fire in
the window only if its total over the whole window, plus its hits carried
open from the last run, meets the condition: that is necessary for the
growing conditions (``gt``/``gte`` on event_count, value_count, temporal,
temporal_ordered), so only those correlations take this path. Then the
events are fetched for

- the candidate groups: every event, so ``Correlator`` judges the exact
  sliding windows and the alerts equal the embedded run's;
- every group, for the last ``timespan`` before the newest match: those are
  the hits a window still open at the end of the run holds, which
  ``Correlator.state`` carries into the next run (a pruned group cannot fire
  now, but it can next run);
- "irregular" events the aggregation cannot see as Python does (a correlation
  field in ``_ignored`` — over ``ignore_above`` or malformed — or no
  ``@timestamp``): they are few, fetched first, and counted as Python groups.

Python groups values by their lowercased text; the cluster by indexed value
(case kept for keywords, canonical form for IPs, parsed numbers). Bucket keys
are therefore normalised (``_norm``) so that every Python group lies inside
one normalised class, and a class's total bounds the totals of its groups.
Fields of other types (text, dates, doubles, unmapped fields) keep the old
path: all matches fetched.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from secops import ecs
from secops.detect.correlate import OPS, CorrelationPlan, Correlator, _one
from secops.store.elastic_events import ElasticEventStore
from secops.store.elastic_query import exact
from secops.types import Event

if TYPE_CHECKING:
    from secops.store.elastic_detect import PushedRule

PRUNABLE = frozenset({"event_count", "value_count", "temporal", "temporal_ordered"})
"""Types whose measure over a window is at most the measure over all the window's events (for gt/gte)."""
INTEGER = frozenset({"long", "integer", "short", "byte", "unsigned_long"})
KEYED = INTEGER | {"keyword", "ip"}
"""Mapped types whose indexed value the normalisation maps onto Python's grouping."""
PAGE = 1_000
"""Composite buckets per request."""
MAX_KEYS = 10_000
"""Candidate keys in one fetch (one ``terms`` query); with more, the rule's matches are fetched whole."""
MAX_TUPLES = 1_000
"""The same for multi-field groups, one boolean clause each (the cluster caps clauses)."""
VALUES = 1_000
"""Distinct counted values looked at per bucket; a value_count threshold above it cannot prune."""


class Refused(Exception):
    """The cluster refused an aggregation: the correlation takes the ordinary path."""


@dataclass(slots=True)
class Pruning:
    """What the aggregation path did for one correlation (read by tests and ``bench/es.py``)."""

    correlation: str
    matches: int = 0
    """Base-rule matches in the window."""
    groups: int = 0
    candidates: int = 0
    fetched: int = 0
    """Events fetched for the correlation's rules."""
    whole: bool = False
    """True when too many groups were candidates and every match was fetched."""


@dataclass(slots=True)
class _Class:
    """One normalised group: its raw bucket keys and what bounds its measure."""

    keys: list[list[tuple[Any, ...]]]
    """Raw composite keys per reference."""
    counts: list[int]
    values: float = 0.0
    """Upper bound on distinct counted values (value_count)."""


def collect(
    store: ElasticEventStore,
    pushed: Sequence[PushedRule],
    correlator: Correlator,
    window: dict[str, Any],
) -> tuple[dict[str, list[Event]], set[int], list[Pruning]]:
    """Matches of the rules that feed only prunable correlations, fetched for candidate groups.

    Returns the matches per rule id (ingest order), the indices of the rules
    handled here (the caller fetches the others as before), and per
    correlation what was pruned.
    """
    types = store.field_types()
    by_index = {p.rule.index: p for p in pushed}
    matches: dict[str, list[Event]] = {}
    handled: set[int] = set()
    report: list[Pruning] = []
    for number, plan in enumerate(correlator.plans):
        rules = _eligible(number, plan, correlator, by_index, types)
        if rules is None:
            continue
        try:
            found, pruning = _correlation(store, number, plan, rules, correlator, window, types)
        except Refused:
            continue
        matches.update(found)
        handled.update(p.rule.index for p in rules)
        report.append(pruning)
    return matches, handled, report


def _eligible(
    number: int,
    plan: CorrelationPlan,
    correlator: Correlator,
    pushed: dict[int, PushedRule],
    types: dict[str, str],
) -> list[PushedRule] | None:
    """The correlation's rules when all are pushed down, quiet, feed only it, and have keyed fields."""
    if plan.op not in ("gt", "gte") or plan.type not in PRUNABLE:
        return None
    rules: list[PushedRule] = []
    for (kind, target), (group, value) in zip(plan.refs, plan.fields, strict=True):
        rule = pushed.get(target) if kind == "rule" else None
        if rule is None or rule.rule.emit or correlator.wanted.get(("rule", target)) != [(number, len(rules))]:
            return None
        if any(types.get(f) not in KEYED for f in group):
            return None
        if plan.type == "value_count" and (value is None or types.get(value) not in KEYED):
            return None
        rules.append(rule)
    return rules


def _correlation(
    store: ElasticEventStore,
    number: int,
    plan: CorrelationPlan,
    rules: list[PushedRule],
    correlator: Correlator,
    window: dict[str, Any],
    types: dict[str, str],
) -> tuple[dict[str, list[Event]], Pruning]:
    pruning = Pruning(plan.id)
    classes: dict[tuple[str, ...], _Class] = {}
    last = -math.inf
    for position, rule in enumerate(rules):
        total, newest = _aggregate(store, plan, position, rule, window, types, classes)
        pruning.matches += total
        last = max(last, newest)
    # Hits Python already holds or will hold whatever is pruned: carried windows and irregular events.
    extra: list[tuple[int, tuple[str, ...], Any]] = [
        (h.ref, h.group, h.value) for h in correlator.carried.get(number, [])
    ]
    irregular = [_irregular(plan, position) for position in range(len(rules))]
    for position, rule in enumerate(rules):
        group, value = plan.fields[position]
        query: dict[str, Any] = {"bool": {"filter": [window, rule.query, irregular[position]]}}
        for event, _ in store.scan_ingested(query):
            pruning.matches += 1
            extra.append(
                (position, tuple(_one(ecs.get(event, f)) for f in group), ecs.get(event, value) if value else None)
            )
    candidates = _candidates(plan, classes, extra, types)
    pruning.groups, pruning.candidates = len(classes), len(candidates)
    # Every hit within a timespan of the newest match: windows still open at the end of the run.
    tail = (
        {"range": {"@timestamp": {"gte": int(last - plan.span * 1000) - 1, "format": "epoch_millis"}}}
        if last > -math.inf
        else {"match_none": {}}
    )
    found: dict[str, list[Event]] = {}
    for position, rule in enumerate(rules):
        keys = [key for c in candidates for key in classes[c].keys[position]]
        wanted: list[dict[str, Any]] = [irregular[position], tail]
        if len(keys) > (MAX_KEYS if len(plan.fields[position][0]) < 2 else MAX_TUPLES):
            pruning.whole = True
            wanted = [{"match_all": {}}]
        elif keys:
            wanted.append(_keys_filter(plan.fields[position][0], keys))
        query = {"bool": {"filter": [window, rule.query], "should": wanted, "minimum_should_match": 1}}
        events = [event for event, _ in store.scan_ingested(query)]
        pruning.fetched += len(events)
        if events:
            found[rule.rule.id] = events
    return found, pruning


def _aggregate(
    store: ElasticEventStore,
    plan: CorrelationPlan,
    position: int,
    rule: PushedRule,
    window: dict[str, Any],
    types: dict[str, str],
    classes: dict[tuple[str, ...], _Class],
) -> tuple[int, float]:
    """Page one rule's composite aggregation into ``classes``; returns its match count and newest ``@timestamp``."""
    group, value = plan.fields[position]
    norms = [_norm(types[f]) for f in group]
    sources = [{f"k{i}": {"terms": {"field": exact(f), "missing_bucket": True}}} for i, f in enumerate(group)]
    if not sources:  # no group-by: one group, the whole window
        sources = [{"k": {"terms": {"field": "_index"}}}]
    composite: dict[str, Any] = {"sources": sources, "size": PAGE}
    measured = plan.type == "value_count" and value is not None
    if measured:
        composite_aggs = {
            "values": {"terms": {"field": exact(value), "size": VALUES}},
            "none": {"missing": {"field": exact(value)}},
        }
    query = {"bool": {"filter": [window, rule.query], "must_not": [_irregular(plan, position)]}}
    total, newest = 0, -math.inf
    after: dict[str, Any] | None = None
    while True:
        body: dict[str, Any] = {"query": query, "size": 0, "track_total_hits": after is None}
        body["aggs"] = {"groups": {"composite": {**composite, **({"after": after} if after else {})}}}
        if measured:
            body["aggs"]["groups"]["aggs"] = composite_aggs
        if after is None:
            body["aggs"]["newest"] = {"max": {"field": "@timestamp"}}
        [answer] = store.msearch([{"index": store.pattern, "ignore_unavailable": True, "allow_no_indices": True}, body])
        if "error" in answer:
            raise Refused(str(answer["error"]))
        aggs = answer.get("aggregations", {})
        if after is None:
            total = int(answer["hits"]["total"]["value"])
            newest = aggs.get("newest", {}).get("value") or -math.inf
        buckets = aggs.get("groups", {}).get("buckets", [])
        for bucket in buckets:
            raw = tuple(bucket["key"][f"k{i}"] for i in range(len(group)))
            key = tuple(norm(k) for norm, k in zip(norms, raw, strict=True))
            entry = classes.get(key)
            if entry is None:
                entry = classes[key] = _Class([[] for _ in plan.refs], [0] * len(plan.refs))
            entry.keys[position].append(raw)
            entry.counts[position] += int(bucket["doc_count"])
            if measured:
                seen = bucket["values"]
                more = seen.get("sum_other_doc_count", 0) > 0
                entry.values += math.inf if more else len(seen["buckets"]) + (bucket["none"]["doc_count"] > 0)
        after = aggs.get("groups", {}).get("after_key")
        if len(buckets) < PAGE or after is None:
            return total, newest


def _candidates(
    plan: CorrelationPlan,
    classes: dict[tuple[str, ...], _Class],
    extra: list[tuple[int, tuple[str, ...], Any]],
    types: dict[str, str],
) -> list[tuple[str, ...]]:
    """The classes whose total this run, with the hits Python holds anyway, can meet the condition."""
    counts: dict[tuple[str, ...], int] = {}
    refs: dict[tuple[str, ...], set[int]] = {}
    values: dict[tuple[str, ...], set[str]] = {}
    for position, group, value in extra:
        norms = [_norm(types[f]) for f in plan.fields[position][0]]
        key = tuple(norm(g) for norm, g in zip(norms, group, strict=True))
        counts[key] = counts.get(key, 0) + 1
        refs.setdefault(key, set()).add(position)
        if value is not None:
            values.setdefault(key, set()).add(_one(value))
    holds, threshold = OPS[plan.op], plan.count
    out = []
    for key, entry in classes.items():
        if plan.type == "event_count":
            bound: float = sum(entry.counts) + counts.get(key, 0)
        elif plan.type == "value_count":
            bound = entry.values + len(values.get(key, ()))
        else:  # temporal, temporal_ordered: how many of the rules occur
            bound = len({p for p, n in enumerate(entry.counts) if n} | refs.get(key, set()))
        if holds(bound, threshold):
            out.append(key)
    return out


def _irregular(plan: CorrelationPlan, position: int) -> dict[str, Any]:
    """Events whose correlation fields the index did not take as they are (or that have no timestamp)."""
    group, value = plan.fields[position]
    names = [*group, *([value] if value else []), "@timestamp"]
    return {
        "bool": {
            "should": [{"terms": {"_ignored": names}}, {"bool": {"must_not": [{"exists": {"field": "@timestamp"}}]}}],
            "minimum_should_match": 1,
        }
    }


def _keys_filter(group: list[str], keys: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Events in any of the given composite buckets (a missing value is its own key)."""

    def one(name: str, value: Any) -> dict[str, Any]:
        if value is None:
            return {"bool": {"must_not": [{"exists": {"field": name}}]}}
        return {"term": {exact(name): value}}

    if not group:
        return {"match_all": {}}
    if len(group) == 1:
        name = group[0]
        present = [k[0] for k in keys if k[0] is not None]
        should = [{"terms": {exact(name): present}}] if present else []
        if len(present) < len(keys):
            should.append(one(name, None))
        return {"bool": {"should": should, "minimum_should_match": 1}}
    should = [{"bool": {"filter": [one(n, v) for n, v in zip(group, k, strict=True)]}} for k in keys]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _norm(kind: str) -> Callable[[Any], str]:
    """How a bucket key (or a Python group value) is named so that a Python group lies inside one class.

    Python groups by ``_one``: the first value's text, lowercased; a missing
    value is "". The index keeps keyword case, writes IPs canonically and
    parses numbers, so keys are lowercased, IPs canonicalised and integers
    read back from their text.
    """
    if kind == "ip":
        return _ip
    if kind in INTEGER:
        return _integer
    return lambda value: "" if value is None else str(value).lower()


def _ip(value: Any) -> str:
    if value is None:
        return ""
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError:
        return str(value).lower()
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _integer(value: Any) -> str:
    if value is None:
        return ""
    try:
        return str(int(str(value)))
    except ValueError:
        pass
    try:
        return str(int(float(str(value))))  # the index truncates a fractional value into a whole-number field
    except (ValueError, OverflowError):
        return str(value).lower()
