"""A compiled rule set: everything a ``Detector`` needs, as objects or as plain data for the cache.

``compile_ruleset`` runs the expensive part once (pySigma pipelines, plans,
correlation field mapping); ``to_data`` / ``from_data`` turn the result into
JSON-ready data and back, so ``cache`` can skip both loading and compiling on
the next run. Rules that came from the cache have no pySigma object
(``CompiledRule.rule`` is None); callers that need one (the Elasticsearch
pushdown, ``rules check``) load the rule set instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from secops.cases.models import RuleRef
from secops.detect.alerts import rule_ref
from secops.detect.correlate import CorrelationPlan, plan_correlations
from secops.detect.evaluate import CompiledRule, compile_rules, quiet_rules
from secops.detect.plan import Plan
from secops.detect.rules import Origin, Problem, RuleSet


@dataclass
class CompiledSet:
    """Compiled detection rules, their alert metadata, correlations, and every problem met."""

    rules: list[CompiledRule]
    refs: list[RuleRef]
    """The alert's view of each rule (same order as ``rules``)."""
    correlations: list[CorrelationPlan]
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    filters: int = 0
    cache: str = "off"
    """Where it came from: ``off`` (no cache), ``hit``, or why it was compiled (``miss``, ``stale``, ``corrupt``)."""
    key: str | None = None
    """The cache key of this exact set (rule files, pipelines, placeholders); None when not cached."""


def compile_ruleset(
    ruleset: RuleSet, placeholders: dict[str, list[str]] | None = None, plans: list[Plan | None] | None = None
) -> CompiledSet:
    """Compile a loaded rule set (``plans``, one per rule, skip the pipelines)."""
    rules = compile_rules(ruleset, placeholders, plans)
    refs = [rule_ref(r.rule, r.id, r.origin) for r in rules]
    index = {id(r.rule): r.index for r in rules}
    correlations = plan_correlations(ruleset, index, quiet_rules(ruleset))
    return CompiledSet(rules, refs, correlations, ruleset.problems, ruleset.files, len(ruleset.filters))


def to_data(compiled: CompiledSet) -> dict[str, Any]:
    return {
        "rules": [
            [r.id, r.title, r.plan, r.emit, [r.origin.path, r.origin.line] if r.origin else None]
            for r in compiled.rules
        ],
        "refs": [ref.model_dump(mode="json") for ref in compiled.refs],
        "correlations": [c.to_data() for c in compiled.correlations],
        "problems": [[p.path, p.line, p.severity, p.message] for p in compiled.problems],
        "files": compiled.files,
        "filters": compiled.filters,
    }


def from_data(data: dict[str, Any]) -> CompiledSet:
    rules = [
        CompiledRule(i, rid, title, plan, emit, Origin(*origin) if origin else None)
        for i, (rid, title, plan, emit, origin) in enumerate(data["rules"])
    ]
    return CompiledSet(
        rules,
        [RuleRef.model_validate(ref) for ref in data["refs"]],
        [CorrelationPlan.from_data(c) for c in data["correlations"]],
        [Problem(path, line, severity, message) for path, line, severity, message in data["problems"]],
        int(data["files"]),
        int(data["filters"]),
    )
