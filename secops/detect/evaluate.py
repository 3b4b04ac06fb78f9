"""The native evaluator: every loaded rule compiled once, one pass per event.

``compile_rules`` turns a ``RuleSet`` into ``CompiledRule``s (rules the engine
cannot evaluate become located problems, never silent gaps); ``Engine.match``
returns the rules an event matches, asking the prefilter first so that an
event meets only the rules that could match it. Nothing here touches a store:
the scan, the scheduled job and ``collect --detect`` all feed it events.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from secops.detect.compile import Node, compile_condition
from secops.detect.pipelines import processed
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
    """One detection rule ready to run, with the loaded (unprocessed) rule for its metadata."""

    index: int
    id: str
    rule: SigmaRule
    node: Node
    emit: bool = True
    """False for rules that only feed correlations (Sigma's ``generate: false``)."""
    origin: Origin | None = None

    @property
    def title(self) -> str:
        return str(self.rule.title)


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


def compile_rules(ruleset: RuleSet, placeholders: dict[str, list[str]] | None = None) -> list[CompiledRule]:
    """Compile every detection rule; failures are added to ``ruleset.problems`` as 'cannot evaluate'."""
    quiet = quiet_rules(ruleset)
    compiled: list[CompiledRule] = []
    for rule in ruleset.rules:
        origin = ruleset.origin(rule)
        try:
            node = compile_condition(processed(rule, placeholders))
        except (RuleError, SigmaError) as exc:
            ruleset.problem(rule, f"cannot evaluate {rule.title!r}: {getattr(exc, 'message', None) or exc}")
            continue
        compiled.append(CompiledRule(len(compiled), rule_id(rule, origin), rule, node, id(rule) not in quiet, origin))
    return compiled


class Engine:
    """Compiled rules and their prefilter; ``match`` is the hot path."""

    def __init__(self, rules: list[CompiledRule]) -> None:
        self.rules = rules
        self.prefilter = Prefilter([r.node.literals for r in rules], [r.node.anchors for r in rules])
        self._tests = [r.node.test for r in rules]

    def match(self, event: Event) -> list[CompiledRule]:
        """The rules this event matches, in rule order."""
        tests, rules = self._tests, self.rules
        return [rules[i] for i in self.prefilter.candidates(event) if tests[i](event)]

    def match_all(self, event: Event) -> list[CompiledRule]:
        """The same without the prefilter: the reference the prefilter is tested against."""
        return [r for r in self.rules if r.node.test(event)]
