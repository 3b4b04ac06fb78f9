"""Pushdown plans cached between runs, so a scheduled run does not convert every rule again.

Converting SigmaHQ's ~3,100 rules with pySigma's Elasticsearch backend and
rebuilding their DSL took 11 s, and loading the rules with pySigma to do it
another 6 s, in every ``secops detect run`` on this backend (measured on the
shared rule set). A plan depends only on the compiled rule set (its cache
key covers rule files, pipelines, placeholders and package versions), on the
field types mapped in the cluster, and on the modules that build it, so it is
kept under ``<data dir>/cache/pushdown/`` by a key over those, in the digest-
checked format of the rule cache (``secops.detect.cache``). On a hit the
pySigma rules are not loaded at all.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import orjson

from secops.detect.cache import FORMAT, read, write
from secops.detect.detector import Detector
from secops.store.elastic_detect import Plan, PushedRule, plan
from secops.store.elastic_events import ElasticEventStore

log = logging.getLogger(__name__)

MODULES = ("elastic_detect.py", "elastic_lucene.py", "elastic_query.py", "elastic_plans.py")
"""The modules whose code shapes a plan: a change to any of them rebuilds it."""


def plans_dir(data_dir: Path) -> Path:
    return data_dir / "cache" / "pushdown"


def cached_plan(store: ElasticEventStore, detector: Detector) -> Plan:
    """The plan for the detector's rules on this cluster's mapping, from the cache when it holds it."""
    types = store.field_types()
    if detector.compiled.key is None:
        return plan(store, detector.rules, detector.config.placeholders)
    key = _key(detector.compiled.key, types)
    folder = plans_dir(store.data_dir)
    path = folder / f"{key}.json"
    data, outcome = read(path, key)
    if data is not None:
        try:
            return _from_data(data["plan"], detector)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            log.warning("pushdown cache %s does not hold a plan (%s); rebuilding it", path, exc)
    log.info("pushdown plan not cached (%s): converting %d rules", outcome, len(detector.rules))
    detector.attach_rules()
    chosen = plan(store, detector.rules, detector.config.placeholders)
    write(folder, path, {"format": FORMAT, "key": key, "plan": _to_data(chosen)})
    return chosen


def _key(rules_key: str, types: dict[str, str]) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(rules_key.encode() + b"\0")
    digest.update(orjson.dumps(types, option=orjson.OPT_SORT_KEYS) + b"\0")
    here = Path(__file__).parent
    for name in MODULES:
        digest.update((here / name).read_bytes() + b"\0")
    return digest.hexdigest()


def _to_data(chosen: Plan) -> dict[str, list[list[Any]]]:
    def rows(items: list[PushedRule]) -> list[list[Any]]:
        return [[p.rule.index, p.query, p.lucene, p.reason] for p in items]

    return {"pushed": rows(chosen.pushed), "native": rows(chosen.native)}


def _from_data(data: dict[str, list[list[Any]]], detector: Detector) -> Plan:
    rules = detector.rules

    def items(rows: list[list[Any]]) -> list[PushedRule]:
        return [PushedRule(rules[index], query, lucene, reason) for index, query, lucene, reason in rows]

    chosen = Plan(items(data["pushed"]), items(data["native"]))
    if sorted(p.rule.index for p in [*chosen.pushed, *chosen.native]) != list(range(len(rules))):
        raise ValueError("the plan does not cover the rule set")
    return chosen
