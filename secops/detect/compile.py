"""A rule's plan (see ``plan``) compiled into a predicate over one plain ECS dict.

The per-event evaluator: nested closures. Values of one field are tested
together: the event value is lowercased once and checked against a set,
tuples of prefixes and suffixes, and a list of substrings. Alongside the
predicate, compilation derives what the prefilter needs: the literals a rule
cannot match without (a disjunction) and the equality *anchors* (a field that
must hold one of a few values, such as ``winlog.channel`` or ``event.code``
added by the logsource pipelines). The batch evaluator (``batch``) reuses the
anchors and falls back to these closures for what it cannot vectorise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from secops.detect import modifiers as m
from secops.detect.event_text import gates
from secops.detect.plan import SPECIALS, Plan
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


def compile_plan(plan: Plan) -> Node:
    """A plan node as a predicate with its prefilter facts."""
    kind = plan[0]
    if kind == "and":
        return _and([compile_plan(p) for p in plan[1]])
    if kind == "or":
        return _or([compile_plan(p) for p in plan[1]])
    if kind == "not":
        inner = compile_plan(plan[1]).test
        return Node(lambda ev: not inner(ev))
    if kind == "field":
        node = _field(plan[1], plan[2])
        node.logsource = bool(plan[3])
        return node
    if kind == "kw":
        return _keyword(plan[1])
    raise ValueError(f"unknown plan node {kind!r}")


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


_LITERAL_ODDS = {0: 1.0, 1: 1.0, 2: 0.6, 3: 0.25, 4: 0.1, 5: 0.05, 6: 0.03, 7: 0.02}


def literal_cost(literals: frozenset[str]) -> float:
    """A guess at how often an event contains one of the literals: short ones are everywhere."""
    return min(1.0, sum(_LITERAL_ODDS.get(len(lit), 0.01) for lit in literals))


def _field(name: str, specs: list[list[Any]]) -> Node:
    """Values OR-ed on one field."""
    get = getter(name)
    buckets: dict[str, list[str]] = {"eq": [], "prefix": [], "suffix": [], "contains": []}
    others: list[m.ValueTest] = []
    specials: list[Node] = []
    literals: set[str] | None = set()
    for spec in specs:
        kind = spec[0]
        if kind in SPECIALS:
            specials.append(_special(name, get, spec))
            continue
        if kind in m.STRING_KINDS:
            buckets[kind].append(spec[1])
        else:
            others.append(m.value_test(spec))
        lit = m.spec_literal(spec)
        if len(lit) < MIN_LITERAL or not gates(lit):
            literals = None
        elif literals is not None:
            literals.add(lit)
    eq = frozenset(buckets["eq"])
    prefixes, suffixes, contains = tuple(buckets["prefix"]), tuple(buckets["suffix"]), tuple(buckets["contains"])
    test = _merged(get, eq, prefixes, suffixes, contains, tuple(others))
    plain_eq_only = bool(eq) and not (prefixes or suffixes or contains or others or specials)
    node = Node(
        test,
        frozenset(literals) if literals and not specials else None,
        [(name, eq)] if plain_eq_only else [],
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


def present(v: Any) -> bool:
    """What ``exists`` and ``null`` ask: a value other than nothing or an empty list."""
    return v is not None and v != []


_FIELDREF: dict[tuple[bool, bool], Callable[[str, str], bool]] = {
    (False, False): str.__eq__,
    (True, False): str.startswith,
    (False, True): str.endswith,
    (True, True): lambda mine, theirs: theirs in mine,
}
"""A field reference by its (startswith, endswith) flags: how this field's text relates to the other's."""


def special_test(name: str, spec: list[Any]) -> Predicate:
    """Tests on a field as a whole: null, exists, and references to another field."""
    get = getter(name)
    kind = spec[0]
    if kind == "null":
        return lambda ev: not present(get(ev))
    if kind == "exists":
        want = spec[1]
        return lambda ev: present(get(ev)) is want
    other = getter(spec[1])
    # ``contains`` sets both flags (pySigma's modifier), as ``startswith`` and ``endswith`` each set one.
    relation: Callable[[str, str], bool] = _FIELDREF[bool(spec[2]), bool(spec[3])]

    def fieldref(ev: Event) -> bool:
        mine, theirs = get(ev), other(ev)
        if mine is None or theirs is None:
            return False
        left = [t.lower() for x in (mine if isinstance(mine, list) else [mine]) if (t := m.text(x)) is not None]
        right = [t.lower() for x in (theirs if isinstance(theirs, list) else [theirs]) if (t := m.text(x)) is not None]
        return any(relation(a, b) for a in left for b in right)

    return fieldref


def _special(name: str, get: Callable[[Event], Any], spec: list[Any]) -> Node:
    return Node(special_test(name, spec))


def keyword_test(specs: list[list[Any]]) -> Predicate:
    """Keywords: any value of the event (``event.original`` left out) satisfies one of the specs."""
    tests = [m.value_test(spec) for spec in specs]
    one = tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))

    def test(ev: Event) -> bool:
        return any(one(v) for v in leaves(ev))

    return test


def _keyword(specs: list[list[Any]]) -> Node:
    literals: set[str] | None = set()
    for spec in specs:
        lit = m.spec_literal(spec) if spec[0] != "re" else ""
        if literals is not None and len(lit) >= MIN_LITERAL and gates(lit):
            literals.add(lit)
        else:
            literals = None
    return Node(keyword_test(specs), frozenset(literals) if literals else None)
