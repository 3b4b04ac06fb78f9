"""A processed Sigma detection compiled once into a predicate over plain ECS dicts.

The pySigma condition tree (after the rule's pipeline) becomes nested closures.
Values of one field under an OR are merged into one test that lowercases the
event value once and checks a set, tuples of prefixes and suffixes, and a list
of substrings. Alongside the predicate, compilation derives what the
prefilter needs: the literals a rule cannot match without (a disjunction) and
the equality *anchors* (a field that must hold one of a few values, such as
``winlog.channel`` or ``event.code`` added by the logsource pipelines).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionItem,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule
from sigma.types import (
    SigmaBool,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
)

from secops.detect import modifiers as m
from secops.errors import RuleError
from secops.types import Event

Predicate = Callable[[Event], bool]
Literals = frozenset[str] | None
"""Lowercased literals of which at least one appears in any matching event; None: no such set."""
Anchor = tuple[str, frozenset[str]]
"""A field that must equal (case-insensitively) one of the values."""
MIN_LITERAL = 3
"""Shorter literals occur in nearly every event: they would cost the prefilter more than they save."""


@dataclass(slots=True)
class Node:
    """A compiled condition: its predicate and what the prefilter may rely on."""

    test: Predicate
    literals: Literals = None
    anchors: list[Anchor] = field(default_factory=list)
    equality: bool = False
    """A plain equality on one field: what the anchor index checks better than literals."""
    logsource: bool = False
    """Added by a pipeline's logsource condition (``_cond_*`` detections): true of a whole event class."""


def getter(name: str) -> Callable[[Event], Any]:
    """Read a dotted field: nested objects, literal dotted keys, and lists of objects (as a list)."""
    parts = name.split(".")
    if len(parts) == 1:
        return lambda ev: ev.get(name)

    def get(ev: Event) -> Any:
        node: Any = ev
        for i, part in enumerate(parts):
            if isinstance(node, dict):
                if part in node:
                    node = node[part]
                    continue
                return node.get(".".join(parts[i:]))
            if isinstance(node, list):
                rest = getter(".".join(parts[i:]))
                found = [v for el in node if isinstance(el, dict) and (v := rest(el)) is not None]
                flat = [x for v in found for x in (v if isinstance(v, list) else (v,))]
                return flat or None
            return None
        return node

    return get


def leaves(node: Any, skip_original: bool = True) -> Iterator[Any]:
    """Every scalar value of an event (keyword search), ``event.original`` left out."""
    if isinstance(node, dict):
        for key, value in node.items():
            if skip_original and key == "event" and isinstance(value, dict):
                for k2, v2 in value.items():
                    if k2 != "original":
                        yield from leaves(v2, False)
            elif not (skip_original and key == "event.original"):
                yield from leaves(value, False)
    elif isinstance(node, list):
        for item in node:
            yield from leaves(item, False)
    elif node is not None:
        yield node


def compile_condition(rule: SigmaRule) -> Node:
    """The rule's condition(s) as one node (several conditions are OR-ed, as Sigma says)."""
    try:
        trees = [cond.parsed for cond in rule.detection.parsed_condition]
    except SigmaError as exc:
        raise RuleError(f"condition cannot be parsed: {exc}") from exc
    nodes = [_node(tree) for tree in trees if tree is not None]
    if not nodes:
        raise RuleError("rule has no condition")
    return nodes[0] if len(nodes) == 1 else _or(nodes)


def _node(item: Any) -> Node:
    if isinstance(item, ConditionAND):
        return _and([_node(a) for a in item.args])
    if isinstance(item, ConditionOR):
        return _or_items(item.args)
    if isinstance(item, ConditionNOT):
        inner = _node(item.args[0]).test
        return Node(lambda ev: not inner(ev))
    if isinstance(item, ConditionFieldEqualsValueExpression):
        node = _field(item.field, [item.value])
        node.logsource = _from_pipeline(item)
        return node
    if isinstance(item, ConditionValueExpression):
        return _keyword(item.value)
    if isinstance(item, ConditionItem):
        raise RuleError(f"unsupported condition element {type(item).__name__}")
    raise RuleError(f"unsupported condition element {type(item).__name__}")


def _or_items(args: list[Any]) -> Node:
    """OR of items; values tested on the same field become one merged test."""
    by_field: dict[str, list[Any]] = {}
    added: dict[str, bool] = {}
    others: list[Node] = []
    for arg in args:
        if isinstance(arg, ConditionFieldEqualsValueExpression):
            by_field.setdefault(arg.field, []).append(arg.value)
            added[arg.field] = added.get(arg.field, True) and _from_pipeline(arg)
        else:
            others.append(_node(arg))
    nodes = [_field(name, values) for name, values in by_field.items()]
    for node, name in zip(nodes, by_field, strict=True):
        node.logsource = added[name]
    nodes += others
    return nodes[0] if len(nodes) == 1 else _or(nodes)


def _and(nodes: list[Node]) -> Node:
    tests = tuple(n.test for n in nodes)
    if len(tests) == 2:
        a, b = tests
        test: Predicate = lambda ev: a(ev) and b(ev)  # noqa: E731
    else:
        test = lambda ev: all(t(ev) for t in tests)  # noqa: E731
    # Equality conditions (logsource fields, event codes) are checked by the anchor index,
    # better than by their literals: literals come only from the other parts.
    gated = [n.literals for n in nodes if n.literals is not None and not n.equality]
    if not gated:  # only equalities: their values still beat nothing, unless they only name the logsource
        gated = [n.literals for n in nodes if n.literals is not None and not n.logsource]
    best = min(gated, key=literal_cost) if gated else None
    return Node(test, best, [a for n in nodes for a in n.anchors])


def _or(nodes: list[Node]) -> Node:
    tests = tuple(n.test for n in nodes)
    if len(tests) == 2:
        a, b = tests
        test: Predicate = lambda ev: a(ev) or b(ev)  # noqa: E731
    else:
        test = lambda ev: any(t(ev) for t in tests)  # noqa: E731
    lits: Literals = None
    if all(n.literals is not None for n in nodes):
        lits = frozenset().union(*(n.literals for n in nodes if n.literals is not None))
    return Node(test, lits, [])


def _from_pipeline(item: Any) -> bool:
    """Whether a condition element comes from a detection a pipeline added (pySigma names them ``_cond_*``)."""
    node = getattr(item, "parent", None)
    for _ in range(8):
        if node is None:
            return False
        identifier = getattr(node, "identifier", None)
        if isinstance(identifier, str):
            return identifier.startswith("_cond_")
        node = getattr(node, "parent", None)
    return False


_LITERAL_ODDS = {0: 1.0, 1: 1.0, 2: 0.6, 3: 0.25, 4: 0.1, 5: 0.05, 6: 0.03, 7: 0.02}


def literal_cost(literals: frozenset[str]) -> float:
    """A guess at how often an event contains one of the literals: short ones are everywhere."""
    return min(1.0, sum(_LITERAL_ODDS.get(len(lit), 0.01) for lit in literals))


def _expand(values: list[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, SigmaExpansion):
            yield from _expand(value.values)
        else:
            yield value


def _field(name: str, values: list[Any]) -> Node:
    """Values OR-ed on one field."""
    get = getter(name)
    eq: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    contains: list[str] = []
    others: list[m.ValueTest] = []
    specials: list[Node] = []
    literals: set[str] | None = set()
    for value in _expand(values):
        lit: str | None = None
        if isinstance(value, SigmaString):
            pattern = m.string_pattern(value)
            lit = pattern.longest if len(pattern.longest) >= MIN_LITERAL else None
            if pattern.cased or pattern.kind == "glob":
                others.append(_on_text(pattern.test))
            else:
                {"eq": eq.add, "prefix": prefixes.append, "suffix": suffixes.append, "contains": contains.append}[
                    pattern.kind
                ](pattern.literal)
        elif isinstance(value, SigmaNull | SigmaExists | SigmaFieldReference):
            specials.append(_special(name, get, value))
        else:
            others.append(_value_test(value))
            if isinstance(value, SigmaRegularExpression):
                needed = m.regex_literal(value)
                lit = needed if len(needed) >= MIN_LITERAL else None
        if lit is None:
            literals = None
        elif literals is not None:
            literals.add(lit)
    test = _merged(get, frozenset(eq), tuple(prefixes), tuple(suffixes), tuple(contains), tuple(others))
    plain_eq_only = bool(eq) and not (prefixes or suffixes or contains or others or specials)
    node = Node(
        test,
        frozenset(literals) if literals and not specials else None,
        [(name, frozenset(eq))] if plain_eq_only else [],
        plain_eq_only,
    )
    if not specials:
        return node
    has_values = eq or prefixes or suffixes or contains or others
    return _or(([node] if has_values else []) + specials) if (has_values or len(specials) > 1) else specials[0]


def _merged(
    get: Callable[[Event], Any],
    eq: frozenset[str],
    prefixes: tuple[str, ...],
    suffixes: tuple[str, ...],
    contains: tuple[str, ...],
    others: tuple[m.ValueTest, ...],
) -> Predicate:
    lowered = bool(eq or prefixes or suffixes or contains)

    def one(v: Any) -> bool:
        if lowered:
            t = m.text(v)
            if t is not None:
                t = t.lower()
                if t in eq or t.startswith(prefixes) or t.endswith(suffixes):
                    return True
                for c in contains:
                    if c in t:
                        return True
        return any(o(v) for o in others)

    def test(ev: Event) -> bool:
        v = get(ev)
        if v is None:
            return False
        if isinstance(v, list):
            return any(one(x) for x in v)
        return one(v)

    return test


def _on_text(fn: Callable[[str], bool]) -> m.ValueTest:
    def test(v: Any) -> bool:
        t = m.text(v)
        return t is not None and fn(t)

    return test


def _value_test(value: Any) -> m.ValueTest:
    if isinstance(value, SigmaTimestampPart):
        return m.timestamp_part_test(value)
    if isinstance(value, SigmaNumber):
        return m.number_test(value)
    if isinstance(value, SigmaBool):
        return m.bool_test(value)
    if isinstance(value, SigmaRegularExpression):
        return m.regex_test(value)
    if isinstance(value, SigmaCIDRExpression):
        return m.cidr_test(value)
    if isinstance(value, SigmaCompareExpression):
        return m.compare_test(value)
    raise RuleError(f"value type {type(value).__name__} cannot be evaluated natively")


def _present(v: Any) -> bool:
    return v is not None and v != []


def _special(name: str, get: Callable[[Event], Any], value: Any) -> Node:
    """Tests on the field as a whole: null, exists, and references to another field."""
    if isinstance(value, SigmaNull):
        return Node(lambda ev: not _present(get(ev)))
    if isinstance(value, SigmaExists):
        want = value.exists
        return Node(lambda ev: _present(get(ev)) is want)
    other = getter(value.field)
    starts, ends = value.starts_with, value.ends_with

    def fieldref(ev: Event) -> bool:
        mine, theirs = get(ev), other(ev)
        if mine is None or theirs is None:
            return False
        left = [t.lower() for x in (mine if isinstance(mine, list) else [mine]) if (t := m.text(x)) is not None]
        right = [t.lower() for x in (theirs if isinstance(theirs, list) else [theirs]) if (t := m.text(x)) is not None]
        for a in left:
            for b in right:
                if (starts and a.startswith(b)) or (ends and a.endswith(b)) or (not starts and not ends and a == b):
                    return True
        return False

    return Node(fieldref)


def _keyword(value: Any) -> Node:
    """A value without a field: substring search over every value of the event, as Elasticsearch does."""
    tests: list[m.ValueTest] = []
    literals: set[str] | None = set()
    for item in _expand([value]):
        if isinstance(item, SigmaString):
            wrapped = item
            if not (item.s and item.s[0] is SpecialChars.WILDCARD_MULTI):
                wrapped = SigmaString("*") + wrapped
            if not (item.s and item.s[-1] is SpecialChars.WILDCARD_MULTI):
                wrapped = wrapped + SigmaString("*")
            pattern = m.string_pattern(wrapped)
            tests.append(_on_text(pattern.test))
            if literals is not None and len(pattern.longest) >= MIN_LITERAL:
                literals.add(pattern.longest)
            else:
                literals = None
        elif isinstance(item, SigmaNumber):
            tests.append(_on_text(m.string_pattern(SigmaString(f"*{item.number}*")).test))
            if literals is not None and len(str(item.number)) >= MIN_LITERAL:
                literals.add(str(item.number))
            else:
                literals = None
        else:
            tests.append(_value_test(item))
            literals = None
    one = tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))

    def test(ev: Event) -> bool:
        return any(one(v) for v in leaves(ev))

    return Node(test, frozenset(literals) if literals else None)
