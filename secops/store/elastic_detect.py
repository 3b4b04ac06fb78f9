"""Sigma detection pushed down to Elasticsearch, over the events stored since the last run.

Each compiled rule (``secops.detect.evaluate.compile_rules``) is converted by
pySigma's Elasticsearch Lucene backend through the same ECS processing
pipeline the native engine applies (``secops.detect.pipelines.pipeline_for``),
and the Lucene text is rebuilt as query DSL with Sigma's semantics
(``elastic_lucene``). The cluster then answers one query per rule, restricted
to the ingest window ``(cursor, now − read_lag)``, so the work scales with the
cluster. A rule the backend or the DSL cannot express faithfully — Sigma
keywords, ``|cased``, field references, regular expressions beyond Lucene's
syntax, wildcards on typed fields — is evaluated by the native engine over
the same window instead, so the alerts are the same either way; ``Plan``
says which rules went which way and why. Rules that only feed a correlation
are aggregated in the cluster first and fetched only for the groups that can
fire (``elastic_correlate``).

A query costs the cluster work in every index that holds the window (each
shard compiles the rule's wildcards again), so a small window spread over
many daily indices, typically the first run after evidence spanning years
was collected, is cheaper to read once and evaluate here: the runner
compares the two and says which it chose (``Plan.scanned``).

The caller (``secops detect run``) turns matches into alerts and advances its
watermark to ``WindowResult.cursor`` only after storing them.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sigma.backends.elasticsearch import LuceneBackend
from sigma.exceptions import SigmaError

from secops import ecs
from secops.cases.models import Alert
from secops.detect.correlate import Correlator
from secops.detect.detector import Detector
from secops.detect.evaluate import CompiledRule, Engine
from secops.detect.pipelines import pipeline_for
from secops.store.base import Window
from secops.store.elastic_correlate import Pruning, collect
from secops.store.elastic_events import ElasticEventStore
from secops.store.elastic_lucene import lucene_to_dsl
from secops.store.elastic_query import UnsupportedQuery
from secops.types import Event

log = logging.getLogger(__name__)

MSEARCH_RULES = 20
"""Rules sent to the cluster in one multi-search request."""
FIRST_PAGE = 1_000
SCAN_PER_SEARCH = 10
"""Events read and evaluated here in about the time the cluster answers one rule in one index.

Measured on a 2-core node with SigmaHQ's rules over the shared EVTX samples:
the cluster takes 0.7 ms (the rule set's average) to 6 ms (process-creation
rules) per rule and index holding the window, each shard compiling the rule's
wildcards again; this process reads an event in about 0.08 ms and evaluates
all 3,141 rules on it in another 0.08 ms. Around 10 the two cost the same;
larger windows stay with the cluster, which scales out."""
SCAN_BATCH = 1_000


@dataclass(slots=True)
class PushedRule:
    """A rule and its query DSL, or the reason it is evaluated natively."""

    rule: CompiledRule
    query: dict[str, Any] | None
    lucene: str | None = None
    reason: str | None = None


@dataclass(slots=True)
class Plan:
    pushed: list[PushedRule] = field(default_factory=list)
    native: list[PushedRule] = field(default_factory=list)
    scanned: str | None = None
    """Why the whole window was evaluated here instead of in the cluster, when it was."""


@dataclass(slots=True)
class WindowResult:
    """Matched events per rule id (ingest order) and the cursor the next run starts from."""

    matches: dict[str, list[Event]]
    cursor: str | None
    plan: Plan
    events: int = 0
    """How many events the window held."""
    correlations: list[Pruning] = field(default_factory=list)
    """Correlations aggregated in the cluster, with what each fetched."""


def convert(rule: CompiledRule, types: dict[str, str], placeholders: dict[str, list[str]] | None = None) -> PushedRule:
    """One rule through pySigma's Lucene backend and into DSL."""
    if rule.rule is None:  # compiled rules from the cache carry none until Detector.attach_rules
        return PushedRule(rule, None, reason="its pySigma rule is not loaded (compiled rule from the cache)")
    backend = LuceneBackend(processing_pipeline=pipeline_for(rule.rule, placeholders))
    copied = copy.deepcopy(rule.rule)
    # pySigma converts a rule that only feeds a correlation (no ``generate``) to nothing; here its query is the point.
    copied._output = True
    copied._backreferences = []
    try:
        queries = backend.convert_rule(copied)
    except (SigmaError, NotImplementedError) as exc:
        return PushedRule(rule, None, reason=f"pySigma backend: {exc}")
    text = queries[0] if len(queries) == 1 else " OR ".join(f"({q})" for q in queries)
    try:
        return PushedRule(rule, lucene_to_dsl(str(text), types), lucene=str(text))
    except UnsupportedQuery as exc:
        return PushedRule(rule, None, lucene=str(text), reason=exc.message)


def plan(
    store: ElasticEventStore, rules: Sequence[CompiledRule], placeholders: dict[str, list[str]] | None = None
) -> Plan:
    """Which rules run in the cluster and which natively (with the reason)."""
    types = store.field_types()
    result = Plan()
    for rule in rules:
        converted = convert(rule, types, placeholders)
        (result.pushed if converted.query is not None else result.native).append(converted)
    return result


def run_since(
    store: ElasticEventStore,
    rules: Sequence[CompiledRule],
    cursor: str | None,
    *,
    placeholders: dict[str, list[str]] | None = None,
    upper: int | None = None,
    correlator: Correlator | None = None,
    allow_scan: bool = True,
    chosen: Plan | None = None,
) -> WindowResult:
    """Every rule over the events ingested after ``cursor`` and before ``upper`` (default: now − lag).

    With the ``correlator`` (its carried windows resumed), rules that only feed
    one correlation it can prune come back only for the groups that can fire,
    plus the recent hits of open windows (``elastic_correlate``). Without
    ``allow_scan`` the cluster answers every rule it can express, however the
    window is spread. ``chosen`` is the rules' plan when the caller has it
    (``elastic_plans``); it is worked out here otherwise.
    """
    bound = store.read_upper() if upper is None else upper
    end = store.window_end(cursor, bound)
    if end is None:
        return WindowResult({}, None, chosen or plan(store, rules, placeholders))
    # After the cursor and up to the last event seen now: a late-visible event waits for the next run.
    window = {"bool": {"filter": [store.ingest_window(cursor, bound)], "must_not": [store.ingest_window(end, bound)]}}
    result = run_window(
        store, rules, window, placeholders=placeholders, correlator=correlator, allow_scan=allow_scan, chosen=chosen
    )
    result.cursor = end
    return result


def run_window(
    store: ElasticEventStore,
    rules: Sequence[CompiledRule],
    window: dict[str, Any],
    *,
    placeholders: dict[str, list[str]] | None = None,
    correlator: Correlator | None = None,
    allow_scan: bool = True,
    chosen: Plan | None = None,
) -> WindowResult:
    """Every rule over the events the ``window`` query selects (``run_since``; the cursor is left unset)."""
    chosen = chosen or plan(store, rules, placeholders)
    matches: dict[str, list[Event]] = {}
    total, indices = store.spread(window)
    pruned: list[Pruning] = []
    rest = chosen.pushed
    if allow_scan and total < len(rest) * indices * SCAN_PER_SEARCH:
        chosen.scanned = (
            f"{total:,} events in {indices:,} indices: reading them once costs less than"
            f" {len(rest):,} rules queried in each index"
        )
        chosen.native, chosen.pushed, rest = [*rest, *chosen.native], [], []
    elif correlator is not None:
        found, handled, pruned = collect(store, chosen.pushed, correlator, window)
        matches.update(found)
        rest = [p for p in chosen.pushed if p.rule.index not in handled]
    refused: list[PushedRule] = []
    for start in range(0, len(rest), MSEARCH_RULES):
        refused += _run_pushed(store, rest[start : start + MSEARCH_RULES], window, matches)
    for pushed in refused:
        chosen.pushed.remove(pushed)
        chosen.native.append(pushed)
    if chosen.native:
        _run_native(store, Engine([p.rule for p in chosen.native]), window, matches)
        log.info("%d of %d rules evaluated natively over the window", len(chosen.native), len(rules))
    if chosen.scanned:
        log.info("window evaluated here: %s", chosen.scanned)
    return WindowResult(matches, None, chosen, total, pruned)


def _run_native(
    store: ElasticEventStore, engine: Engine, window: dict[str, Any], matches: dict[str, list[Event]]
) -> None:
    """The engine's rules over every event of the window, read in ingest order a page at a time."""
    page: list[Event] = []
    for event, _ in store.scan_ingested(window):
        page.append(event)
        if len(page) == SCAN_BATCH:
            _match_page(engine, page, matches)
            page = []
    _match_page(engine, page, matches)


def _match_page(engine: Engine, page: list[Event], matches: dict[str, list[Event]]) -> None:
    for row, rules in engine.match_batch(page):
        for rule in rules:
            matches.setdefault(rule.id, []).append(page[row])


def _run_pushed(
    store: ElasticEventStore, rules: Sequence[PushedRule], window: dict[str, Any], matches: dict[str, list[Event]]
) -> list[PushedRule]:
    """One multi-search for a group of rules; a rule with more hits than the first page is paged alone.

    Returns the rules whose query the cluster refused (a regular expression its
    parser rejects, an automaton too large): they go to the native engine.
    """
    sort = [{"event.ingested": "asc"}, {"event.id": "asc"}]
    searches: list[dict[str, Any]] = []
    for pushed in rules:
        searches.append({"index": store.pattern, "ignore_unavailable": True, "allow_no_indices": True})
        body = {"query": {"bool": {"filter": [window, pushed.query]}}, "sort": sort, "size": FIRST_PAGE}
        searches.append({**body, "track_total_hits": False})
    answers = store.msearch(searches)
    refused: list[PushedRule] = []
    for pushed, answer in zip(rules, answers, strict=True):
        if "error" in answer:
            cause = answer["error"].get("root_cause", [answer["error"]])[0]
            pushed.reason = f"the cluster refused the query: {cause.get('reason', cause.get('type'))}"
            refused.append(pushed)
            continue
        hits = answer["hits"]["hits"]
        found = [hit["_source"] for hit in hits]
        if len(hits) == FIRST_PAGE:
            query = {"bool": {"filter": [window, pushed.query]}}
            found = [event for event, _ in store.scan_ingested(query)]
        if found:
            matches.setdefault(pushed.rule.id, []).extend(found)
    return refused


def detect(
    store: ElasticEventStore, detector: Detector, cursor: str | None, chosen: Plan | None = None
) -> tuple[list[Alert], str | None, int]:
    """``secops detect run`` on this backend: matches from the cluster, fed to the detector in ingest order.

    The detector sees each matched event with its rules in rule order, exactly
    as ``Detector.process`` would have over ``read_since``, so alerts, dedup
    keys and correlation input are the same; correlations are evaluated in
    Python over the matches when the caller calls ``detector.finish()``; the
    matches of rules that only feed them are narrowed by aggregations first.
    Returns the single-event alerts, the cursor to store, and how many events
    the window held.
    """
    bound = store.read_upper()
    outcome = run_since(
        store,
        detector.rules,
        cursor,
        placeholders=detector.config.placeholders,
        upper=bound,
        correlator=detector.correlator,
        chosen=chosen,
    )
    if outcome.cursor is None:
        return [], None, 0
    _feed(detector, outcome.matches)
    return detector.take(), outcome.cursor, outcome.events


def detect_window(
    store: ElasticEventStore, detector: Detector, window: Window, chosen: Plan | None = None
) -> tuple[list[Alert], int]:
    """``secops detect backfill`` on this backend: the same, over the events whose ``@timestamp`` is in ``window``.

    Returns the single-event alerts and how many events the window held.
    """
    outcome = run_window(
        store,
        detector.rules,
        store.dsl(None, window),
        placeholders=detector.config.placeholders,
        correlator=detector.correlator,
        chosen=chosen,
    )
    _feed(detector, outcome.matches)
    return detector.take(), outcome.events


def _feed(detector: Detector, matches: dict[str, list[Event]]) -> None:
    """Each matched event once, in ingest order (``event.ingested``, then ``event.id``), its rules in rule order."""
    by_event: dict[str, tuple[tuple[int, str], Event, list[CompiledRule]]] = {}
    for rule in detector.rules:
        for event in matches.get(rule.id, ()):
            key = event["event"]["id"]
            entry = by_event.get(key)
            if entry is None:
                moment = ecs.parse_ts(event["event"]["ingested"])
                order = (int(moment.timestamp()) * 1000 + moment.microsecond // 1000, key)
                entry = by_event[key] = (order, event, [])
            entry[2].append(rule)
    for _, event, rules in sorted(by_event.values(), key=lambda item: item[0]):
        for rule in rules:
            detector.record(rule, event)
