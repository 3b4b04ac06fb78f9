"""The native evaluator: every loaded rule planned once, matched per event or per batch.

``compile_rules`` turns a ``RuleSet`` into ``CompiledRule``s (rules the engine
cannot evaluate become located problems, never silent gaps). A compiled rule
keeps its plan (plain data, see ``plan``), so it can also come from the cache
(``cache``) without pySigma. ``Engine.match_batch`` is the hot path
(``batch``); ``Engine.match`` evaluates one event with the prefilter and the
per-event closures (``compile``) and is the reference the batch path is
tested against. Nothing here touches a store: the scan, the scheduled job and
``collect --detect`` all feed it events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from secops.detect.batch import BatchEngine
from secops.detect.compile import Node, compile_plan
from secops.detect.pipelines import processed
from secops.detect.plan import Plan, plan_rule
from secops.detect.prefilter import Prefilter
from secops.detect.rules import Origin, RuleSet
from secops.errors import RuleError
from secops.types import Event


def rule_id(rule: Any, origin: Origin | None = None) -> str:
    """The rule's Sigma id, or a stable stand-in for rules that have none."""
    if getattr(rule, "id", None):
        return str(rule.id)
    seed = f"{getattr(rule, 'name', None) or rule.title}|{origin.path if origin else ''}"
    return "noid-" + hashlib.blake2b(seed.encode(), digest_size=8).hexdigest()


@dataclass(eq=False, slots=True)
class CompiledRule:
    """One detection rule ready to run: its plan, and the loaded rule when it was loaded here."""

    index: int
    id: str
    title: str
    plan: Plan
    emit: bool = True
    """False for rules that only feed correlations (Sigma's ``generate: false``)."""
    origin: Origin | None = None
    rule: SigmaRule | None = None
    """The loaded (unprocessed) pySigma rule; None when the rule came from the cache."""
    _node: Node | None = None

    @property
    def node(self) -> Node:
        """The per-event predicate and prefilter facts, compiled on first use."""
        if self._node is None:
            self._node = compile_plan(self.plan)
        return self._node


def quiet_rules(ruleset: RuleSet) -> set[int]:
    """``id()`` of the rules that only feed correlations: referenced, and by no correlation with ``generate``."""
    referenced: set[int] = set()
    loud: set[int] = set()
    for corr in ruleset.correlations:
        for ref in corr.rules or []:
            target = getattr(ref, "rule", None)
            if target is not None:
                referenced.add(id(target))
                if corr.generate:
                    loud.add(id(target))
    return referenced - loud


def plan_or_problem(rule: SigmaRule, ruleset: RuleSet, placeholders: dict[str, list[str]] | None) -> Plan | None:
    """The rule's plan after its pipeline; a rule that cannot be evaluated becomes a problem."""
    try:
        return plan_rule(processed(rule, placeholders))
    except (RuleError, SigmaError) as exc:
        ruleset.problem(rule, f"cannot evaluate {rule.title!r}: {getattr(exc, 'message', None) or exc}")
        return None


def compile_rules(
    ruleset: RuleSet, placeholders: dict[str, list[str]] | None = None, plans: Sequence[Plan | None] | None = None
) -> list[CompiledRule]:
    """Compile every detection rule; failures are added to ``ruleset.problems`` as 'cannot evaluate'.

    ``plans`` (one per ``ruleset.rules``, None for a rule that cannot be
    evaluated) skips the pipelines: the cache hands them in.
    """
    quiet = quiet_rules(ruleset)
    compiled: list[CompiledRule] = []
    for position, rule in enumerate(ruleset.rules):
        origin = ruleset.origin(rule)
        plan = plans[position] if plans is not None else plan_or_problem(rule, ruleset, placeholders)
        if plan is None:
            continue
        index = len(compiled)
        compiled.append(
            CompiledRule(index, rule_id(rule, origin), str(rule.title), plan, id(rule) not in quiet, origin, rule)
        )
    return compiled


class Engine:
    """Compiled rules; ``match_batch`` is the hot path, ``match`` the per-event reference."""

    def __init__(self, rules: list[CompiledRule]) -> None:
        self.rules = rules
        self._batch: BatchEngine | None = None
        self._prefilter: Prefilter | None = None

    @property
    def batch(self) -> BatchEngine:
        if self._batch is None:
            self._batch = BatchEngine([(i, r.plan) for i, r in enumerate(self.rules)])
        return self._batch

    @property
    def prefilter(self) -> Prefilter:
        if self._prefilter is None:
            nodes = [r.node for r in self.rules]
            self._prefilter = Prefilter([n.literals for n in nodes], [n.anchors for n in nodes])
        return self._prefilter

    def match_batch(self, events: list[Event]) -> list[tuple[int, list[CompiledRule]]]:
        """Per event that matches: its position in the batch and the rules it matches, in rule order."""
        rules = self.rules
        return [(row, [rules[i] for i in found]) for row, found in self.batch.match(events)]

    def match(self, event: Event) -> list[CompiledRule]:
        """The rules one event matches, in rule order (prefilter, then the per-event predicates)."""
        rules, prefilter = self.rules, self.prefilter
        return [rules[i] for i in prefilter.candidates(event) if rules[i].node.test(event)]

    def match_all(self, event: Event) -> list[CompiledRule]:
        """The same without the prefilter: the reference the prefilter is tested against."""
        return [r for r in self.rules if r.node.test(event)]
